import { useEffect, useRef, useState } from 'preact/hooks';
import { Content, Json, Text } from '../content.js';
import { formatCost, formatDuration, type Step } from '../model.js';

/** Steps drawn at first and added each time the end of the list comes into view. */
const STEP_BATCH = 100;
/** From this many steps on, off-screen cards skip layout and paint (`content-visibility: auto`). */
const MANY = 200;

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
          <summary>reasoning ({step.reasoning.length.toLocaleString('en')} characters)</summary>
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
          {step.result.structuredContent ? <Json value={step.result.structuredContent} /> : null}
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
  const input = step.usage?.prompt_tokens ?? 0;
  const output = step.usage?.completion_tokens ?? 0;
  return (
    <li class={`step source-${step.source}`} data-step={step.step_id} id={`step-${step.step_id}`}>
      <header>
        <a class="source" href={`#step-${step.step_id}`}>
          {step.source}
        </a>
        <span class="step-id">#{step.step_id}</span>
        {step.model ? <span class="model">{step.model}</span> : null}
        {input + output > 0 ? (
          <span class="tokens" title="input / output tokens">
            {input.toLocaleString('en')} in / {output.toLocaleString('en')} out
          </span>
        ) : null}
        {step.usage?.cost_usd ? <span class="cost">{formatCost(step.usage.cost_usd)}</span> : null}
        {step.started_at && step.ended_at && step.ended_at > step.started_at ? (
          <span class="latency" title="latency">
            {formatDuration(step.started_at, step.ended_at)}
          </span>
        ) : null}
      </header>
      <StepBody step={step} />
    </li>
  );
}

/**
 * The step timeline: the first {@link STEP_BATCH} steps, then another batch each time the end of the list
 * scrolls into view (a trace of 2,000 steps does not draw them all at once; off-screen cards skip layout
 * through `content-visibility`).
 */
export function StepList({ steps }: { steps: readonly Step[] }) {
  const [shown, setShown] = useState(STEP_BATCH);
  const sentinel = useRef<HTMLLIElement>(null);
  useEffect(() => {
    const target = sentinel.current;
    if (!target || typeof IntersectionObserver === 'undefined') return;
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((entry) => entry.isIntersecting)) setShown((n) => n + STEP_BATCH);
      },
      { rootMargin: '800px' },
    );
    observer.observe(target);
    return () => observer.disconnect();
  }, [shown, steps.length]);
  return (
    <ol class={steps.length > MANY ? 'steps many' : 'steps'}>
      {steps.slice(0, shown).map((step) => (
        <StepCard key={step.step_id} step={step} />
      ))}
      {steps.length > shown ? (
        <li class="more" ref={sentinel}>
          <button type="button" onClick={() => setShown(shown + STEP_BATCH)}>
            Show {Math.min(STEP_BATCH, steps.length - shown)} more of {steps.length - shown} steps
          </button>
        </li>
      ) : null}
    </ol>
  );
}
