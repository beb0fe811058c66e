import { useMemo, useState } from 'preact/hooks';
import type { TraceSummary, ViewerApi } from '../api.js';
import { Json, Text } from '../content.js';
import { ErrorNote } from '../error-note.js';
import { fileTrackingOfSpans } from '../filetracking.js';
import { useLoad } from '../load.js';
import {
  formatCost,
  formatDuration,
  formatReward,
  formatTokens,
  type GradeView,
  gradeOf,
  rewardColour,
  type Step,
  stepsOfSpans,
} from '../model.js';
import { jobHref, queryParam, setQueryParam, traceHref } from '../route.js';
import { useTrace } from '../trace-data.js';
import { QaSection } from './qa.js';
import { FilesTab } from './trace-files.js';
import { DebugTab, LogsTab } from './trace-logs.js';
import { StepList } from './trace-steps.js';

type Tab = 'steps' | 'files' | 'logs' | 'debug';
const TABS: Tab[] = ['steps', 'files', 'logs', 'debug'];

function Grade({ grade, reward }: { grade: GradeView | null; reward: number | null }) {
  return (
    <div class="grade" style={{ borderColor: rewardColour(reward) }}>
      <h2>
        Grade <span class="reward">{formatReward(grade?.score ?? reward)}</span>
        {grade?.isError ? <span class="badge error">grading error</span> : null}
      </h2>
      {grade && grade.subscores.length > 0 ? (
        <table class="subscores">
          <tbody>
            {grade.subscores.map((sub) => (
              <tr key={sub.name}>
                <td>{sub.name}</td>
                <td class="num">{formatReward(sub.value)}</td>
                <td class="num">{sub.weight === undefined ? '' : `× ${sub.weight}`}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {grade?.content ? <Text text={grade.content} /> : null}
      {grade?.info ? (
        <details>
          <summary>grader info</summary>
          <Json value={grade.info} />
        </details>
      ) : null}
    </div>
  );
}

/** The text of a message's content (a string, a text block or a list of them). */
function textOf(content: unknown): string | null {
  if (typeof content === 'string') return content;
  const blocks = Array.isArray(content) ? content : [content];
  const texts = blocks.flatMap((block) =>
    typeof block === 'object' && block !== null && typeof block.text === 'string'
      ? [block.text]
      : [],
  );
  return texts.length > 0 ? texts.join('\n') : null;
}

/** The task's prompt and args: from the server when it knows them, else the first user/task steps. */
function TaskFacts({ run, steps }: { run: TraceSummary; steps: readonly Step[] }) {
  const userStep = steps.find((step) => step.source === 'user');
  const prompt = run.prompt ?? textOf(userStep?.messages?.[0]?.content);
  const taskStep = steps.find((step) => step.task_call?.arguments !== undefined);
  const args = run.task?.args ?? taskStep?.task_call?.arguments;
  if (!prompt && args === undefined) return null;
  return (
    <details class="task" open>
      <summary>Task {run.task?.id ? `· ${run.task.env ?? ''} ${run.task.id}` : ''}</summary>
      {prompt ? <Text text={prompt} /> : null}
      {args !== undefined ? (
        <>
          <span class="role">args</span>
          <Json value={args} />
        </>
      ) : null}
    </details>
  );
}

/** Links to the other runs of the same group (or task) of the job. */
function GroupLinks({ api, run }: { api: ViewerApi; run: TraceSummary }) {
  const jobId = run.job_id;
  const siblings = useLoad(`siblings:${run.id}`, async () =>
    jobId
      ? (await api.allJobTraces(jobId)).filter((other) =>
          run.group_id ? other.group_id === run.group_id : other.task_slug === run.task_slug,
        )
      : [],
  );
  const others = siblings.value ?? [];
  if (others.length < 2) return null;
  return (
    <p class="group-runs">
      runs of this group:{' '}
      {others.map((other, index) => (
        <a
          key={other.id}
          href={traceHref(other.id)}
          class={`cell${other.id === run.id ? ' current' : ''}`}
          style={{ background: other.status === 'error' ? '#f3c4c4' : rewardColour(other.reward) }}
          title={`${other.status} · reward ${formatReward(other.reward)}`}
        >
          #{(other.group_index ?? index) + 1}
        </a>
      ))}
    </p>
  );
}

/**
 * `/traces/<id>`: one run — its outcome, task, grade, and tabs (`?tab=`): the step timeline, the files it
 * changed (file tracking diffs), its LOGS and DEBUG events. Live while the run is queued or running.
 */
export function TracePage({ api, id }: { api: ViewerApi; id: string }) {
  const initial = queryParam('tab') as Tab;
  const [tab, setTab] = useState<Tab>(TABS.includes(initial) ? initial : 'steps');
  const data = useTrace(api, id);
  const steps = useMemo(() => stepsOfSpans(data.spans), [data.spans]);
  const files = useMemo(() => fileTrackingOfSpans(data.spans), [data.spans]);
  // QA verdicts (none from a server without the QA routes); read again when the run's status changes
  const qa = useLoad(`qa:${id}:${data.trace?.status ?? ''}`, () => api.traceQa(id), true);
  if (data.error) return <ErrorNote error={data.error} />;
  if (!data.trace) return <p class="loading">Loading trace…</p>;
  const run = data.trace;
  const tokens = (run.input_tokens ?? 0) + (run.output_tokens ?? 0);
  const choose = (next: Tab) => {
    setTab(next);
    setQueryParam('tab', next === 'steps' ? '' : next);
  };
  const label: Record<Tab, string> = {
    steps: `Steps (${steps.length})`,
    files: `Files (${files.reduce((n, entry) => n + entry.patches.length, 0)})`,
    logs: 'Logs',
    debug: 'Debug',
  };
  return (
    <section>
      <p class="crumbs">
        <a href="/jobs">Jobs</a> /{' '}
        {run.job_id ? <a href={jobHref(run.job_id)}>job {run.job_id.slice(0, 8)}</a> : null} /
      </p>
      <h1>
        {run.task_slug ?? run.id}
        {data.stream === 'open' ? <span class="badge live">live</span> : null}
      </h1>
      <dl class="facts">
        <dt>status</dt>
        <dd class={`status status-${run.status}`}>{run.status}</dd>
        <dt>reward</dt>
        <dd class="reward">{formatReward(run.reward)}</dd>
        <dt>model</dt>
        <dd>{run.model ?? '—'}</dd>
        <dt>stop reason</dt>
        <dd>{run.stop_reason ?? '—'}</dd>
        <dt>duration</dt>
        <dd>{formatDuration(run.start_time, run.end_time)}</dd>
        <dt>tokens</dt>
        <dd>{formatTokens(tokens)}</dd>
        <dt>cost</dt>
        <dd>{formatCost(run.cost_usd)}</dd>
      </dl>
      <GroupLinks api={api} run={run} />
      {run.error ? <p class="error">{run.error}</p> : null}
      <TaskFacts run={run} steps={steps} />
      <Grade grade={gradeOf(run.evaluation_result)} reward={run.reward} />
      <QaSection results={qa.value ?? []} onStep={() => choose('steps')} />
      <div class="tabs" role="tablist">
        {TABS.map((name) => (
          <button
            key={name}
            type="button"
            role="tab"
            data-tab={name}
            aria-selected={tab === name}
            class={tab === name ? 'tab selected' : 'tab'}
            onClick={() => choose(name)}
          >
            {label[name]}
          </button>
        ))}
      </div>
      {data.spansError ? <ErrorNote error={data.spansError} /> : null}
      {tab === 'steps' ? (
        <>
          {!data.spansLoaded && !data.spansError ? <p class="loading">Loading steps…</p> : null}
          <StepList steps={steps} />
        </>
      ) : null}
      {tab === 'files' ? <FilesTab entries={files} /> : null}
      {tab === 'logs' ? (
        <LogsTab id={id} live={data.liveLogs} read={(cursor) => api.traceLogs(id, { cursor })} />
      ) : null}
      {tab === 'debug' ? (
        <DebugTab id={id} read={(cursor) => api.traceEvents(id, { cursor })} />
      ) : null}
    </section>
  );
}
