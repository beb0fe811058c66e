import { existsSync } from 'node:fs';
import { z } from 'zod';
import type { PlatformClient } from '../platform/client.js';
import { platformUrls } from '../platform/urls.js';
import { QaError } from '../qa/errors.js';
import { QaAgentReply, QaResultList, reviewClaimed, waitForResults } from '../qa/gateway-qa.js';
import { createJudgeModel } from '../qa/judge-models.js';
import { readWorkflowFile } from '../qa/workflow-file.js';
import { loadSettings } from '../settings.js';
import { renderTable } from '../table.js';
import { printResults, type QaRunFlags } from './qa-local.js';

const say = (line: string) => process.stderr.write(`${line}\n`);

/** Settings for the judge: with only HUD_API_URL set (a self-hosted gateway), HUD_GATEWAY_URL derives from it. */
function judgeSettings(): Record<string, string | undefined> {
  const settings = loadSettings();
  return settings.HUD_API_URL?.trim() && !settings.HUD_GATEWAY_URL?.trim()
    ? { ...settings, HUD_GATEWAY_URL: platformUrls(settings).gateway }
    : settings;
}

function seconds(raw: string | undefined, flag: string, fallback: number): number {
  const value = Number(raw ?? fallback);
  if (!Number.isFinite(value) || value <= 0) {
    throw new QaError(
      'invalid_argument',
      `${flag} must be a positive number of seconds, got '${raw}'`,
    );
  }
  return value;
}

/**
 * `hud qa run` on the gateway (spec §9.8): a custom workflow file is registered first (`POST
 * /v2/qa-agents`); `POST /v2/qa-agents/{id}/run-resources {subject_ids, overwrite}`; then, unless
 * `--no-wait`, this process reviews the pending results itself (as a QA worker would) and polls
 * `GET /v2/qa-agents/results/resources?result_ids=` until all are completed or `--timeout` passes. Exit 1
 * unless every verdict passed.
 * @throws PlatformError; QaError for a bad flag or workflow file.
 */
export async function qaRunGateway(
  client: PlatformClient,
  workflowName: string,
  ids: string[],
  flags: QaRunFlags,
): Promise<void> {
  const timeoutMs = seconds(flags.timeout, '--timeout', 900) * 1000;
  let agentId = workflowName;
  if (/\.(json|toml)$/i.test(workflowName) && existsSync(workflowName)) {
    const workflow = await readWorkflowFile(workflowName);
    await client.post('/v2/qa-agents', {
      id: workflow.id,
      name: workflow.name,
      description: workflow.description,
      rubric: workflow.rubric,
      categories: workflow.categories,
    });
    agentId = workflow.id;
  }
  const started = await client.post(
    `/v2/qa-agents/${encodeURIComponent(agentId)}/run-resources`,
    { subject_ids: ids, overwrite: Boolean(flags.overwrite) },
    { schema: QaResultList.extend({ result_ids: z.array(z.string()) }) },
  );
  if (flags.wait === false) {
    printResults(started.items, Boolean(flags.json));
    return;
  }
  const pending = started.items
    .filter((item) => item.status !== 'completed')
    .map((item) => item.id);
  if (pending.length > 0) {
    const model = await createJudgeModel({
      agent: flags.agent ?? 'claude',
      model: flags.model,
      settings: judgeSettings(),
    });
    while ((await reviewClaimed(client, { model, limit: 10, resultIds: pending, say })) > 0) {
      // Until none of ours is left to claim (another worker may hold some).
    }
  }
  const results = await waitForResults(client, started.result_ids, { timeoutMs });
  printResults(results, Boolean(flags.json), true);
}

/** `hud qa results job|trace ID…` on the gateway: `GET /v2/jobs/{id}/qa` or `GET /v2/trace/{id}/qa`. */
export async function qaResultsGateway(
  client: PlatformClient,
  type: string,
  ids: string[],
  flags: QaRunFlags,
): Promise<void> {
  if (type !== 'job' && type !== 'trace') {
    throw new QaError('invalid_argument', `TYPE must be job or trace, got '${type}'`);
  }
  const results = [];
  for (const id of ids) {
    const path = `/v2/${type === 'job' ? 'jobs' : 'trace'}/${encodeURIComponent(id)}/qa`;
    results.push(...(await client.get(path, { schema: QaResultList })).items);
  }
  printResults(results, Boolean(flags.json));
}

/** `hud qa agents` on the gateway: `GET /v2/qa-agents?subject_type=&limit=&offset=`. */
export async function qaAgentsGateway(
  client: PlatformClient,
  flags: Record<string, string | boolean | undefined>,
): Promise<void> {
  const query = {
    subject_type: typeof flags.subjectType === 'string' ? flags.subjectType : undefined,
    limit: typeof flags.limit === 'string' ? flags.limit : undefined,
    offset: typeof flags.offset === 'string' ? flags.offset : undefined,
  };
  const reply = await client.get('/v2/qa-agents', {
    query,
    schema: z.looseObject({ items: z.array(QaAgentReply), total: z.number() }),
  });
  if (flags.json) {
    console.log(JSON.stringify(reply));
    return;
  }
  const rows = reply.items.map((agent) => [
    agent.id,
    agent.name,
    agent.description,
    agent.categories.map((category) => category.id).join(', '),
  ]);
  console.log(
    renderTable(['id', 'name', 'detects', 'categories'], rows, process.stdout.isTTY === true),
  );
}

/**
 * `hud qa worker`: reviews the gateway's pending QA results (those `hud qa run --no-wait` started and the
 * QA columns of tasksets) with the judge, one at a time, polling every `--poll` seconds; `--once` stops when
 * nothing is left.
 * @throws PlatformError; QaError `judge_failed` (a wrong key or model).
 */
export async function qaWorker(
  client: PlatformClient,
  flags: { agent?: string; model?: string; once?: boolean; poll?: string },
): Promise<void> {
  const pollMs = seconds(flags.poll, '--poll', 5) * 1000;
  const model = await createJudgeModel({
    agent: flags.agent ?? 'claude',
    model: flags.model,
    settings: judgeSettings(),
  });
  let reviewed = 0;
  for (;;) {
    const count = await reviewClaimed(client, { model, limit: 1, say });
    reviewed += count;
    if (count > 0) continue;
    if (flags.once) break;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  say(`reviewed ${reviewed} trace${reviewed === 1 ? '' : 's'}`);
}
