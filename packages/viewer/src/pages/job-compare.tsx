import { formatReward, rewardColour } from '../model.js';
import { jobHref, withQuery } from '../route.js';
import type { CompareRow, TaskStats } from '../stats.js';
import { WindowedList } from '../windowed-list.js';

const ROW_HEIGHT = 30;

const CHANGE_LABEL: Record<CompareRow['change'], string> = {
  improved: '▲ improved',
  regressed: '▼ regressed',
  same: 'same',
  'only-this': 'only in this job',
  'only-other': 'only in the other',
};

function Mean({ stats }: { stats: TaskStats | null }) {
  if (!stats) return <span class="num mean">—</span>;
  return (
    <span
      class="num mean"
      style={{ background: rewardColour(stats.mean) }}
      title={`${stats.runs} runs · ${stats.passed} passed · ${stats.errored} errored`}
    >
      {formatReward(stats.mean)}
      {stats.std !== null && stats.runs > 1 ? ` ±${formatReward(stats.std)}` : ''}
    </span>
  );
}

function Row({ row }: { row: CompareRow }) {
  return (
    <div class={`compare-row change-${row.change}`} data-task={row.slug} data-change={row.change}>
      <span class="slug" title={row.slug}>
        {row.slug}
      </span>
      <Mean stats={row.other} />
      <Mean stats={row.current} />
      <span class="num delta">
        {row.delta === null ? '' : `${row.delta > 0 ? '+' : ''}${formatReward(row.delta)}`}
      </span>
      <span class="change">{CHANGE_LABEL[row.change]}</span>
    </div>
  );
}

/** Two jobs' tasks side by side, sorted by change (see `compareJobs`). */
export function CompareView(props: { rows: readonly CompareRow[]; id: string; otherId: string }) {
  const { rows, id, otherId } = props;
  const count = (change: CompareRow['change']) =>
    rows.filter((row) => row.change === change).length;
  return (
    <>
      <p class="compare-summary">
        <span class="improved">{count('improved')} improved</span> ·{' '}
        <span class="regressed">{count('regressed')} regressed</span> · {count('same')} same ·{' '}
        {count('only-this') + count('only-other')} in one job only — Δ = this job − the other (
        <a href={jobHref(otherId)}>{otherId.slice(0, 12)}</a>);{' '}
        <a href={withQuery(jobHref(otherId), { compare: id })}>swap</a>
      </p>
      <div class="compare-head">
        <span class="slug">task</span>
        <span class="num mean">other</span>
        <span class="num mean">this</span>
        <span class="num delta">Δ</span>
        <span class="change">change</span>
      </div>
      <WindowedList items={rows} rowHeight={ROW_HEIGHT} render={(row) => <Row row={row} />} />
    </>
  );
}
