import type { QaResult } from '../api.js';
import { formatConfidence, qaKind, qaLabel } from '../qa.js';
import { traceHref } from '../route.js';

/** One verdict as a small badge (flagged in red with its category) linking to its trace. */
export function QaBadge({ result, prefix = '' }: { result: QaResult; prefix?: string }) {
  const kind = qaKind(result);
  return (
    <a
      class={`qa-badge qa-${kind}`}
      href={traceHref(result.subject_id)}
      data-trace={result.subject_id}
      data-verdict={kind}
      title={`${result.qa_agent_id}: ${result.explanation ?? result.status}`}
    >
      {prefix}
      {qaLabel(result)}
    </a>
  );
}

/**
 * The QA section of a trace page: each verdict with its workflow, category, confidence, explanation and
 * the evidence steps (links to `#step-<n>`; `onStep` runs first, to show the steps tab). Nothing when
 * there are no verdicts.
 */
export function QaSection({
  results,
  onStep,
}: {
  results: readonly QaResult[];
  onStep?: () => void;
}) {
  if (results.length === 0) return null;
  return (
    <section class="qa-results">
      <h2>QA</h2>
      {results.map((result) => (
        <div key={result.id} class={`qa-result qa-${qaKind(result)}`} data-verdict={qaKind(result)}>
          <p class="qa-head">
            <span class={`qa-badge qa-${qaKind(result)}`}>{qaLabel(result)}</span>{' '}
            <span class="qa-agent">{result.qa_agent_id}</span>
            <span class="qa-confidence">confidence {formatConfidence(result.confidence)}</span>
            {result.model ? <span class="qa-model">{result.model}</span> : null}
          </p>
          {result.explanation ? <p class="qa-explanation">{result.explanation}</p> : null}
          {result.evidence.length > 0 ? (
            <ul class="qa-evidence">
              {result.evidence.map((ref, index) => (
                <li key={index}>
                  <a href={`#step-${ref.step}`} data-step={ref.step} onClick={onStep}>
                    step {ref.step}
                  </a>
                  {ref.note ? <span class="qa-note"> — {ref.note}</span> : null}
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      ))}
    </section>
  );
}
