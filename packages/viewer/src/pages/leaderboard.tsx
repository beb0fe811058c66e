import type { ViewerApi } from '../api.js';
import { ErrorNote } from '../error-note.js';
import { useLoad } from '../load.js';
import { formatCost, formatPercent, formatReward, formatTokens, rewardColour } from '../model.js';
import { jobHref, withQuery } from '../route.js';

/** `/tasksets/<idOrName>/leaderboard`: every (agent, model) run on a taskset, best mean reward first. */
export function LeaderboardPage({ api, taskset }: { api: ViewerApi; taskset: string }) {
  const board = useLoad(`leaderboard:${taskset}`, () => api.leaderboard(taskset));
  if (board.error) return <ErrorNote error={board.error} />;
  if (!board.value) return <p class="loading">Loading leaderboard…</p>;
  const { rows, taskset_name: name } = board.value;
  return (
    <section>
      <p class="crumbs">
        <a href="/jobs">Jobs</a> / <a href={withQuery('/jobs', { taskset: name })}>{name}</a> /
      </p>
      <h1>Leaderboard · {name}</h1>
      <table class="leaderboard">
        <thead>
          <tr>
            <th>#</th>
            <th>agent</th>
            <th>model</th>
            <th>mean reward</th>
            <th title="passed runs (reward ≥ 1) / runs with a verdict">success</th>
            <th>pass@k</th>
            <th>runs</th>
            <th>jobs</th>
            <th>tokens</th>
            <th>cost</th>
            <th>latest job</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row, index) => (
            <tr
              key={`${row.agent}/${row.model}`}
              data-agent={row.agent ?? ''}
              data-model={row.model ?? ''}
            >
              <td class="num">{index + 1}</td>
              <td>{row.agent ?? '—'}</td>
              <td>{row.model ?? '—'}</td>
              <td class="num reward" style={{ background: rewardColour(row.mean_reward) }}>
                {formatReward(row.mean_reward)}
              </td>
              <td class="num">{formatPercent(row.success_rate)}</td>
              <td class="num">{formatPercent(row.pass_at_k)}</td>
              <td class="num">{row.run_count}</td>
              <td class="num">{row.job_count}</td>
              <td class="num">{formatTokens(row.input_tokens + row.output_tokens)}</td>
              <td class="num">{formatCost(row.cost_usd)}</td>
              <td>
                <a href={jobHref(row.latest_job_id)}>
                  {row.latest_at.slice(0, 19).replace('T', ' ')}
                </a>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {rows.length === 0 ? <p class="empty">No job has run on this taskset.</p> : null}
    </section>
  );
}
