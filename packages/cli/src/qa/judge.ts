import { classifyHttpError, type RetryPolicy, withRetries } from '@hud/agents';
import { errorVerdict, JudgeReply, type QaVerdict, type QaWorkflow } from '@hud/protocol';
import { QaError } from './errors.js';
import { type QaSubject, renderSubject } from './subject.js';

/** One message of a judge conversation. */
export interface JudgeMessage {
  role: 'user' | 'assistant';
  content: string;
}

/** What a judge model answered: its text, and whether it refused (a refusal stop reason or content filter). */
export interface JudgeAnswer {
  text: string;
  refused: boolean;
}

/**
 * A judge model behind a provider SDK (see `judge-models.ts`): one non-streaming completion per call.
 * Errors are the SDK's own (with `status` and `headers`), so 429s and 5xx can be retried here.
 */
export interface JudgeModel {
  /** The provider's model name, recorded with each verdict. */
  readonly model: string;
  complete(
    request: { system: string; messages: readonly JudgeMessage[] },
    signal?: AbortSignal,
  ): Promise<JudgeAnswer>;
}

/** A verdict with the model that gave it. */
export interface JudgeOutcome {
  verdict: QaVerdict;
  model: string;
}

function categoryLines(workflow: QaWorkflow): string {
  if (workflow.categories.length === 0) return 'category: null (this workflow has no categories).';
  const list = workflow.categories
    .map((category) => `- ${category.id}${category.description ? `: ${category.description}` : ''}`)
    .join('\n');
  return `category: when flagged, exactly one of these ids (null when passed):\n${list}`;
}

/** The judge's system prompt for `workflow`: its rubric, its categories and the exact reply form. */
export function judgeSystemPrompt(workflow: QaWorkflow): string {
  return `You are a QA reviewer of AI agent runs. Workflow: ${workflow.name} (${workflow.description}).

${workflow.rubric}

${categoryLines(workflow)}

Reply with one raw JSON object only, no code fences and no other text:
{"verdict": "passed" | "flagged", "category": <id or null>, "confidence": <number from 0 to 1>, "evidence": [{"step": <step number>, "note": "<why it matters>"}], "explanation": "<two or three sentences>"}`;
}

/** The `{…}` span of `text` parsed as JSON (code fences and prose around it ignored). */
function extractJson(text: string): unknown {
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start === -1 || end <= start) throw new Error('no JSON object in the reply');
  return JSON.parse(text.slice(start, end + 1));
}

/**
 * Reads a judge reply against `workflow` and the trace's step ids.
 * @returns the verdict, or the problem with the reply (for the repair turn and the error verdict).
 */
export function readReply(
  text: string,
  workflow: QaWorkflow,
  stepIds: ReadonlySet<number>,
): { verdict: QaVerdict } | { problem: string } {
  let data: unknown;
  try {
    data = extractJson(text);
  } catch (error) {
    return { problem: `not JSON: ${(error as Error).message}` };
  }
  const parsed = JudgeReply.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { problem: `${issue?.path.join('.') || 'reply'}: ${issue?.message ?? 'invalid'}` };
  }
  const reply = parsed.data;
  const category = reply.category ?? null;
  const known = workflow.categories.map((entry) => entry.id);
  if (reply.verdict === 'flagged' && known.length > 0 && (!category || !known.includes(category))) {
    return {
      problem: `category must be one of ${known.join(', ')} when flagged, got ${JSON.stringify(category)}`,
    };
  }
  const missing = reply.evidence.find((ref) => !stepIds.has(ref.step));
  if (missing)
    return { problem: `evidence names step ${missing.step}, which the trace does not have` };
  return {
    verdict: {
      verdict: reply.verdict,
      category: reply.verdict === 'flagged' ? category : null,
      confidence: reply.confidence,
      evidence: reply.evidence,
      explanation: reply.explanation,
    },
  };
}

/** Options of {@link judgeTrace}. */
export interface JudgeOptions {
  workflow: QaWorkflow;
  subject: QaSubject;
  model: JudgeModel;
  /** Retries of 429, 5xx and connection failures (default 6 retries, 1 s doubling backoff, `retry-after` honoured). */
  retry?: Partial<RetryPolicy>;
  signal?: AbortSignal;
  /** Told of each retry (for a stderr note). */
  onRetry?: (note: string) => void;
}

/**
 * Reviews one trace with `workflow`: asks the judge, validates its JSON reply ({@link readReply}); a
 * malformed reply gets one repair turn quoting the problem, then an `error` verdict. A refusal is an
 * `error` verdict. 429s, 5xx and dropped connections are retried with backoff (`retry-after` honoured);
 * when the retries run out the verdict is `error` naming the provider's error.
 * @throws QaError `judge_failed` for a provider error that retrying cannot fix (401, 403, 404, 400: a wrong
 *   key, model or endpoint), so a run of many traces stops at the first instead of recording each.
 */
export async function judgeTrace(options: JudgeOptions): Promise<JudgeOutcome> {
  const { workflow, subject, model } = options;
  const system = judgeSystemPrompt(workflow);
  const stepIds = new Set(subject.steps.map((step) => step.step_id));
  const messages: JudgeMessage[] = [{ role: 'user', content: renderSubject(subject) }];
  const signal = options.signal ?? new AbortController().signal;
  const outcome = (verdict: QaVerdict): JudgeOutcome => ({ verdict, model: model.model });
  let problem = '';
  for (let turn = 0; turn < 2; turn += 1) {
    let answer: JudgeAnswer;
    try {
      answer = await withRetries(() => model.complete({ system, messages }, signal), {
        classify: classifyHttpError,
        policy: options.retry,
        signal,
        onRetry: (notice) =>
          options.onRetry?.(
            `judge request failed (${notice.status ?? 'connection'}); retry ${notice.attempt} in ${Math.round(notice.delayMs)} ms`,
          ),
      });
    } catch (error) {
      if (signal.aborted) throw error;
      const { status, retryable } = classifyHttpError(error);
      const message = `${(error as Error).name}: ${(error as Error).message}`;
      if (retryable) return outcome(errorVerdict(`the judge's provider kept failing: ${message}`));
      if (status !== undefined) {
        throw new QaError('judge_failed', `the judge (${model.model}) failed: ${message}`, {
          cause: error,
        });
      }
      throw error;
    }
    if (answer.refused) {
      return outcome(
        errorVerdict(
          `the judge refused to review this trace: ${answer.text.slice(0, 300) || '(no text)'}`,
        ),
      );
    }
    const read = readReply(answer.text, workflow, stepIds);
    if ('verdict' in read) return outcome(read.verdict);
    problem = read.problem;
    messages.push(
      { role: 'assistant', content: answer.text || '(empty reply)' },
      {
        role: 'user',
        content: `Your reply is not a valid verdict (${problem}). Reply again with the JSON object only, in exactly the form the instructions give.`,
      },
    );
  }
  return outcome(errorVerdict(`the judge's reply was malformed twice; last problem: ${problem}`));
}
