import { useState } from 'preact/hooks';
import type { ViewerApi } from '../api.js';
import { Content, Json, Text } from '../content.js';
import { ErrorNote } from '../error-note.js';
import { useLoad } from '../load.js';
import {
  formatCost,
  formatDuration,
  formatReward,
  type GradeView,
  gradeOf,
  rewardColour,
  type Step,
  stepsOfSpans,
} from '../model.js';
import { jobHref } from '../route.js';

const STEP_PAGE = 200;

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

function StepBody({ step }: { step: Step }) {
  return (
    <>
      {(step.messages ?? []).map((message, index) => (
        <div key={index} class={`message role-${message.role}`}>
          <span class="role">{message.role}</span>
          <Content content={message.content} />
        </div>
      ))}
      {step.reasoning ? (
        <details class="reasoning">
          <summary>reasoning</summary>
          <Text text={step.reasoning} />
        </details>
      ) : null}
      {step.content ? <Text text={step.content} /> : null}
      {(step.tool_calls ?? []).map((call, index) => (
        <div key={index} class="tool-call">
          <span class="tool-name">→ {call.name}</span>
          <Json value={call.arguments} />
        </div>
      ))}
      {step.call ? (
        <div class="tool-call">
          <span class="tool-name">{step.call.name}</span>
          <Json value={step.call.arguments} />
        </div>
      ) : null}
      {step.result ? (
        <div class={`tool-result${step.result.isError ? ' is-error' : ''}`}>
          <span class="role">result{step.result.isError ? ' (error)' : ''}</span>
          <Content content={step.result.content ?? []} />
        </div>
      ) : null}
      {step.task_call ? (
        <div class="task-call">
          <span class="tool-name">
            {step.task_call.phase} · {step.task_call.name}
          </span>
          {step.task_call.arguments ? <Json value={step.task_call.arguments} /> : null}
          {step.task_call.result ? <Json value={step.task_call.result} /> : null}
        </div>
      ) : null}
      {step.error ? <p class="error">{step.error}</p> : null}
    </>
  );
}

function StepCard({ step }: { step: Step }) {
  const tokens = (step.usage?.prompt_tokens ?? 0) + (step.usage?.completion_tokens ?? 0);
  return (
    <li class={`step source-${step.source}`} data-step={step.step_id}>
      <header>
        <span class="source">{step.source}</span>
        <span class="step-id">#{step.step_id}</span>
        {step.model ? <span class="model">{step.model}</span> : null}
        {tokens > 0 ? <span class="tokens">{tokens.toLocaleString('en')} tokens</span> : null}
        {step.usage?.cost_usd ? <span class="cost">{formatCost(step.usage.cost_usd)}</span> : null}
        {step.started_at ? (
          <span class="time">{formatDuration(step.started_at, step.ended_at)}</span>
        ) : null}
      </header>
      <StepBody step={step} />
    </li>
  );
}

/** `/traces/<id>`: one run: its outcome, the grade with subscores, and the step timeline. */
export function TracePage({ api, id }: { api: ViewerApi; id: string }) {
  const [shown, setShown] = useState(STEP_PAGE);
  const trace = useLoad(`trace:${id}`, () => api.trace(id));
  const steps = useLoad(`spans:${id}`, async () => stepsOfSpans(await api.traceSpans(id)));
  if (trace.error) return <ErrorNote error={trace.error} />;
  if (!trace.value) return <p class="loading">Loading trace…</p>;
  const run = trace.value;
  const all = steps.value ?? [];
  return (
    <section>
      <p class="crumbs">
        <a href="/jobs">Jobs</a> /{' '}
        {run.job_id ? <a href={jobHref(run.job_id)}>job {run.job_id.slice(0, 8)}</a> : null} /
      </p>
      <h1>{run.task_slug ?? run.id}</h1>
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
        <dt>cost</dt>
        <dd>{formatCost(run.cost_usd)}</dd>
      </dl>
      {run.error ? <p class="error">{run.error}</p> : null}
      <Grade grade={gradeOf(run.evaluation_result)} reward={run.reward} />
      <h2>
        Steps <span class="count">({all.length})</span>
      </h2>
      {steps.error ? <ErrorNote error={steps.error} /> : null}
      {!steps.value && !steps.error ? <p class="loading">Loading steps…</p> : null}
      <ol class="steps">
        {all.slice(0, shown).map((step) => (
          <StepCard key={step.step_id} step={step} />
        ))}
      </ol>
      {all.length > shown ? (
        <button type="button" onClick={() => setShown(shown + STEP_PAGE)}>
          Show {Math.min(STEP_PAGE, all.length - shown)} more steps
        </button>
      ) : null}
    </section>
  );
}
