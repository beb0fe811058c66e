import { createServer } from 'node:net';
import type { TaskRow } from '@hud/protocol';
import { describe, expect, it } from 'vitest';
import { awaitHello, removeAll, sandboxProvider } from './sandbox-provider.js';

/** A port nothing listens on (bound on 127.0.0.1, then closed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('removeAll', () => {
  it('waits for the sandboxes being created, removes every live one, then throws the first failure', async () => {
    const live = new Map<string, () => Promise<void>>();
    const removed: string[] = [];
    const remover = (id: string, fail?: Error) => async () => {
      removed.push(id);
      live.delete(id);
      if (fail) throw fail;
    };
    live.set('a', remover('a'));
    let finishCreate: () => void = () => {};
    const creating = new Promise<void>((resolve) => {
      finishCreate = () => {
        live.set('late', remover('late', new Error('vendor refused')));
        resolve();
      };
    });
    const closing = removeAll([creating], live);
    finishCreate();
    await expect(closing).rejects.toThrow('vendor refused');
    expect(removed.sort()).toEqual(['a', 'late']);
  });
});

describe('sandboxProvider', () => {
  it('acquires when called and reads job and sandboxes live from the pool', async () => {
    const live = new Map<string, () => Promise<void>>();
    let closed = 0;
    let job = 'job-1';
    const provider = sandboxProvider({
      get job() {
        return job;
      },
      live,
      acquire: async (task: TaskRow) => {
        live.set(task.slug, async () => {});
        return `lease of ${task.slug}`;
      },
      close: async () => {
        closed += 1;
      },
    });
    await expect(provider({ slug: 't1' } as TaskRow)).resolves.toBe('lease of t1');
    job = 'job-2';
    expect(provider.job).toBe('job-2');
    expect(provider.sandboxes).toEqual(['t1']);
    await provider.close();
    await provider[Symbol.asyncDispose]();
    expect(closed).toBe(2);
  });
});

describe('awaitHello', () => {
  it("throws the runtime's not-ready error when nothing answers hello in time", async () => {
    const url = `tcp://127.0.0.1:${await closedPort()}`;
    const error = await awaitHello(url, { readyTimeoutMs: 300 }, (cause) =>
      Object.assign(new Error('sandbox sb-1 never answered'), { cause }),
    ).then(
      () => undefined,
      (failure: unknown) => failure as Error,
    );
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({
      message: 'sandbox sb-1 never answered',
      cause: { code: 'not_ready' },
    });
  });

  it("throws the signal's reason when aborted", async () => {
    const url = `tcp://127.0.0.1:${await closedPort()}`;
    const reason = new Error('job cancelled');
    await expect(
      awaitHello(url, { readyTimeoutMs: 60_000, signal: AbortSignal.abort(reason) }, () => {
        throw new Error('not this');
      }),
    ).rejects.toBe(reason);
  });
});
