import {
  type QaCategory,
  type QaResult,
  QaVerdict,
  STANDARD_WORKFLOWS,
  standardWorkflow,
} from '@hud/protocol';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { GatewayError } from '../errors.js';
import { authOf } from '../http/auth.js';
import { parseWith } from '../http/replies.js';
import { canonicalRunId, canonicalUuid } from '../ids.js';
import type { QaAgentRecord } from '../store/areas/qa.js';
import type { RouteContext } from './context.js';

/**
 * A QA agent as `GET /v2/qa-agents` lists it: a QA workflow that reviews traces. `built_in` for the four
 * standard workflows (`false-negative`, `false-positive`, `failure-analysis`, `reward-hacking`).
 */
export interface QaAgentReply {
  id: string;
  name: string;
  description: string;
  subject_type: 'trace';
  rubric: string;
  categories: QaCategory[];
  built_in: boolean;
}

const KEBAB = /^[a-z0-9][a-z0-9-]{0,63}$/;

const AgentBody = z.object({
  id: z.string().regex(KEBAB, 'kebab-case (a-z, 0-9, -), at most 64 characters'),
  name: z.string().min(1).max(200),
  description: z.string().max(2_000).default(''),
  rubric: z.string().min(1).max(20_000),
  categories: z
    .array(z.object({ id: z.string().regex(KEBAB), description: z.string().max(500).default('') }))
    .max(50)
    .default([]),
});

const RunBody = z.object({
  subject_ids: z.array(z.string().min(1)).min(1).max(10_000),
  overwrite: z.boolean().default(false),
});

const ClaimBody = z.object({
  limit: z.number().int().min(1).max(100).default(1),
  lease_seconds: z.number().int().min(10).max(3_600).default(300),
  result_ids: z.array(z.string().min(1)).max(1_000).optional(),
});

const VerdictBody = QaVerdict.extend({ model: z.string().max(200).nullable().default(null) });

const ListQuery = z.object({
  subject_type: z.enum(['environment', 'taskset', 'task', 'trace']).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});

const builtIns: QaAgentReply[] = STANDARD_WORKFLOWS.map((workflow) => ({
  id: workflow.id,
  name: workflow.name,
  description: workflow.description,
  subject_type: 'trace',
  rubric: workflow.rubric,
  categories: [...workflow.categories],
  built_in: true,
}));

const customReply = (agent: QaAgentRecord): QaAgentReply => ({
  id: agent.id,
  name: agent.name,
  description: agent.description,
  subject_type: 'trace',
  rubric: agent.rubric,
  categories: agent.categories,
  built_in: false,
});

/** Ids from `?result_ids=a,b` or `?result_ids=a&result_ids=b`. */
function idList(raw: unknown): string[] {
  const values = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  return values
    .flatMap((value) => String(value).split(','))
    .map((value) => value.trim())
    .filter(Boolean);
}

/**
 * QA (spec §9.8 `hud qa`; issue 19). Results follow {@link QaResult} (`@hud/protocol`):
 * - `GET /v2/qa-agents?subject_type=&limit=50&offset=0` → `{items: QaAgentReply[], total}` (every agent
 *   reviews traces, whatever subject its traces belong to, so `subject_type` only validates);
 * - `GET /v2/qa-agents/{id}` → {@link QaAgentReply}; `POST /v2/qa-agents` `{id, name, description?,
 *   rubric, categories?}` creates or replaces a custom agent (409 for a standard id);
 * - `POST /v2/qa-agents/{id}/run-resources` `{subject_ids, overwrite}` → `{result_ids, items}`: one result
 *   per trace (a job id expands to its traces), `pending` until a QA worker completes it;
 * - `GET /v2/qa-agents/results/resources?result_ids=a,b` → `{items}`;
 * - workers (`hud qa worker`): `POST /v2/qa-agents/results/claim` `{limit?, lease_seconds?, result_ids?}` →
 *   `{items: [QaResult & {agent: QaAgentReply}]}` (QA columns are materialised first);
 *   `POST /v2/qa-agents/results/{id}` `{verdict, category, confidence, evidence, explanation, model}` →
 *   the completed result;
 * - for the viewer: `GET /v2/trace/{id}/qa` and `GET /v2/jobs/{id}/qa` → `{items}`;
 * - QA columns: `GET /v2/tasksets/{id}/qa-columns` → `{items}`, `PUT|DELETE
 *   /v2/tasksets/{id}/qa-columns/{agent_id}`.
 */
export function registerQaRoutes(app: FastifyInstance, context: RouteContext): void {
  const { qa, tasksets } = context.store;

  const agentOf = async (teamId: string, id: string): Promise<QaAgentReply> => {
    const builtIn = builtIns.find((agent) => agent.id === id);
    if (builtIn) return builtIn;
    const custom = await qa.getAgent(teamId, id);
    if (!custom) {
      throw new GatewayError(
        'not_found',
        `no QA agent ${JSON.stringify(id)} (list them with GET /v2/qa-agents)`,
      );
    }
    return customReply(custom);
  };

  const tasksetIdOf = async (teamId: string, raw: string): Promise<string> => {
    const id = canonicalUuid(raw);
    if (!id || !(await tasksets.getTaskset(teamId, id))) {
      throw new GatewayError('not_found', `no taskset with id ${raw}`);
    }
    return id;
  };

  app.get('/v2/qa-agents', async (request) => {
    const query = parseWith(ListQuery, request.query, 'query');
    const all = [...builtIns, ...(await qa.listAgents(authOf(request).teamId)).map(customReply)];
    return { items: all.slice(query.offset, query.offset + query.limit), total: all.length };
  });

  app.post('/v2/qa-agents', async (request) => {
    const body = parseWith(AgentBody, request.body, 'body');
    if (standardWorkflow(body.id)) {
      throw new GatewayError(
        'conflict',
        `${body.id} is a standard QA agent; give yours another id`,
      );
    }
    return customReply(await qa.putAgent(authOf(request).teamId, body));
  });

  app.get<{ Params: { id: string } }>('/v2/qa-agents/:id', async (request) =>
    agentOf(authOf(request).teamId, request.params.id),
  );

  app.post<{ Params: { id: string } }>('/v2/qa-agents/:id/run-resources', async (request) => {
    const { teamId } = authOf(request);
    const agent = await agentOf(teamId, request.params.id);
    const body = parseWith(RunBody, request.body, 'body');
    const traces: { id: string; job_id: string | null }[] = [];
    for (const raw of body.subject_ids) {
      const id = canonicalRunId(raw, 'subject id');
      const [trace] = await qa.findTraces(teamId, [id]);
      if (trace) {
        traces.push(trace);
        continue;
      }
      const jobTraces = await qa.jobTraceIds(teamId, id);
      if (jobTraces.length === 0) {
        throw new GatewayError('not_found', `no trace or job (with traces) ${raw}`);
      }
      traces.push(...jobTraces.map((traceId) => ({ id: traceId, job_id: id })));
    }
    const unique = [...new Map(traces.map((trace) => [trace.id, trace])).values()];
    const items = await qa.requestResults({
      teamId,
      agentId: agent.id,
      traces: unique,
      overwrite: body.overwrite,
    });
    return { result_ids: items.map((item) => item.id), items };
  });

  app.get('/v2/qa-agents/results/resources', async (request) => {
    const ids = idList((request.query as Record<string, unknown>).result_ids);
    if (ids.length === 0) throw new GatewayError('invalid_request', 'result_ids is required');
    return { items: await qa.getResults(authOf(request).teamId, ids) };
  });

  app.post('/v2/qa-agents/results/claim', async (request) => {
    const { teamId } = authOf(request);
    const body = parseWith(ClaimBody, request.body ?? {}, 'body');
    const claimed = await qa.claim({
      teamId,
      limit: body.limit,
      leaseMs: body.lease_seconds * 1000,
      resultIds: body.result_ids,
    });
    const items: (QaResult & { agent: QaAgentReply })[] = [];
    for (const result of claimed) {
      items.push({ ...result, agent: await agentOf(teamId, result.qa_agent_id) });
    }
    return { items };
  });

  app.post<{ Params: { id: string } }>('/v2/qa-agents/results/:id', async (request) => {
    const { teamId } = authOf(request);
    const { model, ...verdict } = parseWith(VerdictBody, request.body, 'body');
    const result = await qa.complete({ teamId, id: request.params.id, verdict, model });
    if (!result) throw new GatewayError('not_found', `no QA result ${request.params.id}`);
    return result;
  });

  app.get<{ Params: { id: string } }>('/v2/trace/:id/qa', async (request) => ({
    items: await qa.resultsOfTrace(
      authOf(request).teamId,
      canonicalRunId(request.params.id, 'trace id'),
    ),
  }));

  app.get<{ Params: { id: string } }>('/v2/jobs/:id/qa', async (request) => ({
    items: await qa.resultsOfJob(
      authOf(request).teamId,
      canonicalRunId(request.params.id, 'job id'),
    ),
  }));

  app.get<{ Params: { id: string } }>('/v2/tasksets/:id/qa-columns', async (request) => {
    const { teamId } = authOf(request);
    return { items: await qa.listColumns(teamId, await tasksetIdOf(teamId, request.params.id)) };
  });

  app.put<{ Params: { id: string; agent: string } }>(
    '/v2/tasksets/:id/qa-columns/:agent',
    async (request) => {
      const { teamId } = authOf(request);
      const tasksetId = await tasksetIdOf(teamId, request.params.id);
      const agent = await agentOf(teamId, request.params.agent);
      return qa.addColumn(teamId, tasksetId, agent.id);
    },
  );

  app.delete<{ Params: { id: string; agent: string } }>(
    '/v2/tasksets/:id/qa-columns/:agent',
    async (request) => {
      const { teamId } = authOf(request);
      const tasksetId = await tasksetIdOf(teamId, request.params.id);
      const removed = await qa.removeColumn(teamId, tasksetId, request.params.agent);
      if (!removed) {
        throw new GatewayError(
          'not_found',
          `taskset ${request.params.id} has no QA column ${request.params.agent}`,
        );
      }
      return { removed: true };
    },
  );
}
