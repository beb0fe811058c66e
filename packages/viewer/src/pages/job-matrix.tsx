import type { TraceSummary } from '../api.js';
import { formatReward, type MatrixRow, rewardColour } from '../model.js';
import { traceHref } from '../route.js';
import type { TaskStats } from '../stats.js';
import { outcomeOf } from '../stats.js';
import { WindowedList } from '../windowed-list.js';

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

function Row({ shown, width }: { shown: ShownRow; width: number }) {
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
    </div>
  );
}

/** The task × attempt matrix: a header and a windowed list of the shown rows. */
export function Matrix({ rows, width }: { rows: readonly ShownRow[]; width: number }) {
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
      </div>
      <WindowedList
        items={rows}
        rowHeight={ROW_HEIGHT}
        render={(shown) => <Row shown={shown} width={width} />}
      />
    </>
  );
}
