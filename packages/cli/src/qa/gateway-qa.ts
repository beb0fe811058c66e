import { setTimeout as sleep } from 'node:timers/promises';
import { isRecord, QaResult, type QaWorkflow, stepsOfSpans, type TraceStep } from '@hud/protocol';
import { z } from 'zod';
import { readSpans } from '../commands/trace-gateway.js';
import type { PlatformClient } from '../platform/client.js';
import { PlatformTrace } from '../platform/shapes.js';
import { type JudgeModel, judgeTrace } from './judge.js';
import type { QaSubject } from './subject.js';

/** A QA agent as the gateway lists it (`GET /v2/qa-agents`, `routes/qa.ts` of `@hud/gateway`). */
export const QaAgentReply = z.looseObject({
  id: z.string(),
  name: z.string(),
  description: z.string().default(''),
  rubric: z.string().default(''),
  categories: z
    .array(z.object({ id: z.string(), description: z.string().default('') }))
    .default([]),
  built_in: z.boolean().default(false),
});
/** See {@link QaAgentReply}. */
export type QaAgentReply = z.infer<typeof QaAgentReply>;

/** `{items: QaResult[]}` of the result routes. */
export const QaResultList = z.looseObject({ items: z.array(QaResult) });

/** `POST /v2/qa-agents/results/claim`: leased results with the agent that reviews each. */
export const QaClaimReply = z.looseObject({
  items: z.array(QaResult.extend({ agent: QaAgentReply })),
});

/** The workflow a gateway QA agent describes. */
export function workflowOfAgent(agent: QaAgentReply): QaWorkflow {
  return {
    id: agent.id,
    name: agent.name,
    description: agent.description,
    rubric: agent.rubric,
    categories: agent.categories,
    builtIn: agent.built_in,
  };
}

function promptOf(steps: readonly TraceStep[]): unknown {
  const setup = steps.find((step) => step.task_call?.phase === 'setup');
  const prompt = isRecord(setup?.task_call?.result) ? setup.task_call.result.prompt : undefined;
  if (prompt !== undefined) return prompt;
  const user = steps.find((step) => step.source === 'user');
  return user?.messages?.map((message) => message.content) ?? null;
}

/**
 * Trace `traceId` of the gateway as a QA subject: `GET /v2/trace/{id}` (outcome, grade) and its steps from
 * its spans; the answer and grade fall back to the trace's evaluate step.
 * @throws PlatformError (`not_found` for an unknown trace).
 */
export async function gatewaySubject(client: PlatformClient, traceId: string): Promise<QaSubject> {
  const trace = await client.get(`/v2/trace/${encodeURIComponent(traceId)}`, {
    schema: PlatformTrace,
  });
  const steps = stepsOfSpans((await readSpans(client, trace.id)) ?? []);
  const evaluate = steps.findLast((step) => step.task_call?.phase === 'evaluate');
  const answer = evaluate?.task_call?.arguments.answer;
  const lastAgent = steps.findLast((step) => step.source === 'agent');
  return {
    traceId: trace.id,
    jobId: trace.job_id ?? null,
    slug: trace.task_slug ?? null,
    prompt: promptOf(steps),
    answer: typeof answer === 'string' ? answer : (lastAgent?.content ?? null),
    grade: trace.evaluation_result ?? evaluate?.task_call?.result ?? null,
    reward: trace.reward ?? null,
    status: trace.status ?? null,
    error: trace.error ?? null,
    steps,
  };
}

/**
 * Leases pending results (only `resultIds` when given) and reviews each: the trace is read from the
 * gateway, judged with the result's agent, and the verdict posted (`POST /v2/qa-agents/results/{id}`).
 * Returns how many it reviewed. What `hud qa run` (for its own results) and `hud qa worker` (for any,
 * QA columns included) do.
 * @throws PlatformError; QaError `judge_failed` (a wrong key or model: retrying would not help).
 */
export async function reviewClaimed(
  client: PlatformClient,
  options: {
    model: JudgeModel;
    limit: number;
    resultIds?: readonly string[] | undefined;
    say?: (line: string) => void;
  },
): Promise<number> {
  const { items } = await client.post(
    '/v2/qa-agents/results/claim',
    { limit: options.limit, ...(options.resultIds ? { result_ids: options.resultIds } : {}) },
    { schema: QaClaimReply },
  );
  for (const item of items) {
    const workflow = workflowOfAgent(item.agent);
    options.say?.(`reviewing ${item.subject_id} with ${workflow.id}…`);
    const subject = await gatewaySubject(client, item.subject_id);
    const outcome = await judgeTrace({
      workflow,
      subject,
      model: options.model,
      onRetry: (note) => options.say?.(note),
    });
    await client.post(
      `/v2/qa-agents/results/${encodeURIComponent(item.id)}`,
      { ...outcome.verdict, model: outcome.model },
      { schema: QaResult },
    );
  }
  return items.length;
}

/**
 * Polls `GET /v2/qa-agents/results/resources?result_ids=` until every result is `completed` or
 * `timeoutMs` passes; returns the latest results either way.
 */
export async function waitForResults(
  client: PlatformClient,
  ids: readonly string[],
  options: { timeoutMs: number; pollMs?: number },
): Promise<QaResult[]> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const { items } = await client.get('/v2/qa-agents/results/resources', {
      query: { result_ids: ids.join(',') },
      schema: QaResultList,
    });
    if (items.every((item) => item.status === 'completed') || Date.now() >= deadline) return items;
    await sleep(options.pollMs ?? 2_000);
  }
}
