import { Job, type RunRecord } from '@hud/eval';
import { describe, expect, it } from 'vitest';
import { EvalReport, resumeLine } from './report.js';
import { summaryText } from './summary.js';

function streams() {
  const out = { text: '', write: (chunk: string) => (out.text += chunk) };
  const err = { text: '', write: (chunk: string) => (err.text += chunk) };
  return { out, err };
}

const job = (cancelled: boolean) => {
  const made = new Job({ id: 'f'.repeat(32), name: 'letters', group: 1, createdAt: '' });
  made.cancelled = cancelled;
  return made;
};

describe('resumeLine', () => {
  it('quotes the source and names the store only when it is not the default', () => {
    const agent = { name: 'oracle' };
    expect(resumeLine({ source: 'tasks.ts', agent, store: '.hud/jobs' }, 'abc')).toBe(
      'resume with: hud eval tasks.ts oracle --resume abc\n',
    );
    expect(resumeLine({ source: "my tasks's.ts", agent, store: '/tmp/a b' }, 'abc')).toBe(
      "resume with: hud eval 'my tasks'\\''s.ts' oracle --resume abc --store '/tmp/a b'\n",
    );
  });
});

describe('EvalReport', () => {
  it('prints the header and the reaping line on stdout; nothing when nothing was reaped', () => {
    const { out, err } = streams();
    const report = new EvalReport({ json: false, stdout: out, stderr: err });
    report.reaped({ removed: [], jobs: [] });
    report.reaped({ removed: ['c1'], jobs: ['j1'] });
    report.reaped({ removed: ['p1', 'p2'], jobs: ['j2'] }, 'pod');
    report.header({ tasks: 1, group: 2, agent: { name: 'claude', model: 'm' }, runtime: 'local' });
    expect(out.text).toBe(
      'reaped 1 orphaned container of earlier jobs whose hud process is gone (j1)\n' +
        'reaped 2 orphaned pods of earlier jobs whose hud process is gone (j2)\n' +
        'hud eval: 1 task × 2 with claude (m) on local\n',
    );
    expect(err.text).toBe('');
  });

  it('with --json, sends human lines to stderr and one JSON object to stdout', () => {
    const { out, err } = streams();
    const report = new EvalReport({ json: true, stdout: out, stderr: err });
    report.header({ tasks: 3, group: 1, agent: { name: 'oracle' }, runtime: 'inprocess' });
    report.finished(job(false), {
      storeRoot: '/work/.hud/jobs',
      cwd: '/work',
      unpricedCalls: 2,
      resumeLine: 'resume with: …\n',
    });
    expect(err.text).toContain('hud eval: 3 tasks × 1 with oracle on inprocess\n');
    expect(err.text).toContain(
      'note: 2 model calls had no known price and did not count toward --max-cost (see hud models list)\n',
    );
    expect(err.text).not.toContain('resume with');
    const lines = out.text.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] as string)).toMatchObject({
      job_id: 'f'.repeat(32),
      stopped: null,
    });
  });

  it('prints the resume line on stderr when the job was interrupted', () => {
    const { out, err } = streams();
    const report = new EvalReport({ json: false, stdout: out, stderr: err });
    report.finished(job(true), {
      storeRoot: '/work/.hud/jobs',
      cwd: '/work',
      resumeLine: 'resume with: hud eval t.ts oracle --resume x\n',
    });
    expect(out.text).toContain(`.hud/jobs/${'f'.repeat(32)}`);
    expect(err.text).toBe('resume with: hud eval t.ts oracle --resume x\n');
  });

  it('writes a long summary in chunks of ordinary size, the same text as in one piece', () => {
    const runs = Array.from(
      { length: 3_000 },
      (_, index) =>
        ({
          slug: `task-${index}`,
          group_index: 0,
          reward: 1,
          grade: { score: 1 },
          status: 'completed',
          error: null,
        }) as unknown as RunRecord,
    );
    const big = new Job({ id: 'f'.repeat(32), name: 'many', group: 1, createdAt: '', runs });
    const chunks: string[] = [];
    const out = { write: (chunk: string) => chunks.push(chunk) };
    new EvalReport({ json: false, stdout: out, stderr: streams().err }).finished(big, {
      storeRoot: '/work/.hud/jobs',
      cwd: '/work',
      resumeLine: '',
    });
    const store = `.hud/jobs/${'f'.repeat(32)}`;
    expect(chunks.join('')).toBe(`${summaryText(big, store, { color: false })}\n`);
    expect(chunks.length).toBeGreaterThan(10);
    // Each well below V8's large-object size (128 KiB; a two-byte string takes 2 bytes a character).
    expect(Math.max(...chunks.map((chunk) => chunk.length))).toBeLessThan(20_000);
  });
});
