import type { QaResult, TraceSummary } from '../api.js';
import { formatReward, type MatrixRow, rewardColour } from '../model.js';
import { traceHref } from '../route.js';
import type { TaskStats } from '../stats.js';
import { outcomeOf } from '../stats.js';
import { WindowedList } from '../windowed-list.js';
import { QaBadge } from './qa.js';

const ROW_HEIGHT = 30;

function Cell({ trace }: { trace: TraceSummary | undefined }) {
  if (!trace) return <span class="cell cell-empty" />;
  const outcome = outcomeOf(trace);
  const errored = outcome === 'errored';
  const title = `${trace.task_slug ?? ''} · ${trace.status} · reward ${formatReward(trace.reward)}${
    trace.error ? `\n${trace.error}` : ''
  }`;
  const text = errored
    ? '!'
    : outcome === 'pending'
      ? trace.status === 'running'
        ? '…'
        : '·'
      : formatReward(trace.reward);
  return (
    <a
      class={`cell cell-${outcome}`}
      href={traceHref(trace.id)}
      title={title}
      data-trace={trace.id}
      data-status={trace.status}
      style={{ background: errored ? '#f3c4c4' : rewardColour(trace.reward) }}
    >
      {text}
    </a>
  );
}

/** A task's matrix row with its statistics. */
export interface ShownRow {
  row: MatrixRow;
  stats: TaskStats;
}

/** The QA verdicts of a row's runs, one badge each (`#n` before it when the group has several runs). */
function QaCell({
  attempts,
  qa,
  width,
}: {
  attempts: readonly (TraceSummary | undefined)[];
  qa: ReadonlyMap<string, QaResult[]>;
  width: number;
}) {
  return (
    <span class="qa">
      {attempts.flatMap((trace, index) =>
        (trace ? (qa.get(trace.id) ?? []) : []).map((result) => (
          <QaBadge key={result.id} result={result} prefix={width > 1 ? `#${index + 1} ` : ''} />
        )),
      )}
    </span>
  );
}

function Row({
  shown,
  width,
  qa,
}: {
  shown: ShownRow;
  width: number;
  qa?: ReadonlyMap<string, QaResult[]> | undefined;
}) {
  const { row, stats } = shown;
  return (
    <div class="matrix-row" data-task={row.slug}>
      <span class="slug" title={row.slug}>
        {row.slug}
      </span>
      <span class="num mean" style={{ background: rewardColour(stats.mean) }}>
        {formatReward(stats.mean)}
      </span>
      <span class="num spread" title="standard deviation of the rewards">
        {stats.std === null || stats.runs < 2 ? '' : `±${formatReward(stats.std)}`}
      </span>
      <span class="cells">
        {Array.from({ length: width }, (_, index) => (
          <Cell key={index} trace={row.attempts[index]} />
        ))}
      </span>
      {qa && qa.size > 0 ? <QaCell attempts={row.attempts} qa={qa} width={width} /> : null}
    </div>
  );
}

/**
 * The task × attempt matrix: a header and a windowed list of the shown rows; with `qa` (trace id → its QA
 * verdicts, none = no column) a QA column of verdict badges.
 */
export function Matrix({
  rows,
  width,
  qa,
}: {
  rows: readonly ShownRow[];
  width: number;
  qa?: ReadonlyMap<string, QaResult[]>;
}) {
  return (
    <>
      <div class="matrix-head">
        <span class="slug">task</span>
        <span class="num mean">mean</span>
        <span class="num spread">spread</span>
        <span class="cells">
          {Array.from({ length: width }, (_, index) => (
            <span key={index} class="cell cell-head">
              #{index + 1}
            </span>
          ))}
        </span>
        {qa && qa.size > 0 ? <span class="qa">QA</span> : null}
      </div>
      <WindowedList
        items={rows}
        rowHeight={ROW_HEIGHT}
        render={(shown) => <Row shown={shown} width={width} qa={qa} />}
      />
    </>
  );
}
