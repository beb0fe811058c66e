/**
 * The sandbox vendors' runtimes (`@hud/runtimes-e2b`, `-daytona`, `-modal`, built dists) pointed at the
 * Docker-backed fakes of `@hud/testing` (E2BFake, DaytonaFake, ModalFake over a DockerBackend), as
 * packages/e2e/src/vendor-rollouts.test.ts starts them: E2B and Daytona through their SDKs' URL settings,
 * Modal through its injectable control-plane client, in process. Every sandbox is a real container of the
 * given image.
 *
 * Sandbox removal is made asynchronous here: the fakes await `docker rm --force` before answering the
 * vendor's kill/delete/terminate call, whereas the Docker and Kubernetes runtimes release a lease at once and
 * remove in the background. {@link DeferredRemovals} answers at once and keeps the removal, which the lease's
 * `removed()` awaits, so every runtime's verdict time excludes the substrate's removal alike.
 */
import path from 'node:path';
import { REPO_ROOT, run } from './docker-common.ts';

/** A lease as the bench uses it: the control URL, release, and the substrate's removal after release. */
export interface BenchLease {
  readonly url: string;
  close(): Promise<void>;
  removed(): Promise<void>;
}

/** What the bench calls per rollout: a provider taking a task row. */
export type BenchAcquire = (row: {
  env: string;
  id: string;
  slug: string;
  args: Record<string, unknown>;
}) => Promise<BenchLease>;

/** The parts of `@hud/testing`'s `FakeSandbox` this module wraps. */
interface FakeSandbox {
  remove(): Promise<void>;
  [key: string]: unknown;
}
interface FakeSandboxBackend {
  create(spec: Record<string, unknown>): Promise<FakeSandbox>;
}

/** A vendor provider (E2B, Daytona, Modal): a function of the row with `close()`. */
interface VendorProvider {
  (row: object): Promise<{ readonly url: string; close(): Promise<void> }>;
  close(): Promise<void>;
}

/**
 * A backend delegating to `inner` whose sandboxes' `remove()` starts the removal and resolves at once;
 * {@link settled} awaits every removal started so far.
 */
class DeferredRemovals implements FakeSandboxBackend {
  readonly #inner: FakeSandboxBackend;
  readonly #pending = new Set<Promise<void>>();

  constructor(inner: FakeSandboxBackend) {
    this.#inner = inner;
  }

  async create(spec: Record<string, unknown>): Promise<FakeSandbox> {
    const sandbox = await this.#inner.create(spec);
    let removal: Promise<void> | undefined;
    // Inherits everything of the backend's sandbox but remove(), which is not waited for.
    return Object.assign(Object.create(sandbox) as FakeSandbox, {
      remove: () => {
        if (!removal) {
          removal = sandbox.remove();
          this.#pending.add(removal);
          void removal.finally(() => this.#pending.delete(removal as Promise<void>));
        }
        return Promise.resolve();
      },
    });
  }

  /** Resolves when every removal started so far has ended. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.#pending]);
  }
}

/** The three vendor runtimes against their fakes, and how to stop everything. */
export interface VendorFakes {
  readonly runtimes: Array<[string, BenchAcquire]>;
  /** Closes the providers, the fakes and the Modal client; removes any container left. */
  close(): Promise<void>;
}

const dist = (pkg: string) => path.join(REPO_ROOT, 'packages', pkg, 'dist/index.js');

/**
 * Starts E2BFake, DaytonaFake and ModalFake on one DockerBackend and a provider of each vendor's runtime
 * serving `image` (E2B: as the template; its start command is the image's CMD).
 */
export async function startVendorFakes(image: string): Promise<VendorFakes> {
  const testing = await import(dist('testing'));
  const { E2BRuntime } = await import(dist('runtimes-e2b'));
  const { DaytonaRuntime } = await import(dist('runtimes-daytona'));
  const { ModalRuntime } = await import(dist('runtimes-modal'));
  // The SDK the Modal runtime itself resolves (a dependency of @hud/runtimes-modal, not of the bench).
  const { ModalClient } = await import(
    path.join(REPO_ROOT, 'packages/runtimes-modal/node_modules/modal/dist/index.js')
  );
  const docker = new testing.DockerBackend();
  const backend = new DeferredRemovals(docker);
  const e2bKey = 'e2b_bench_key_0123456789abcdef';
  const daytonaKey = 'dtn_bench_key_0123456789abcdef';
  const e2bFake = await testing.E2BFake.start({ apiKey: e2bKey, backend });
  const daytonaFake = await testing.DaytonaFake.start({ apiKey: daytonaKey, backend });
  const modalFake = new testing.ModalFake({ backend });
  const modalClient = new ModalClient({
    tokenId: 'ak-bench',
    tokenSecret: 'as-bench',
    cpClient: modalFake.cpClient,
  });
  const providers: Array<[string, VendorProvider]> = [
    [
      'e2b (fake API)',
      E2BRuntime({
        apiKey: e2bKey,
        apiUrl: e2bFake.url,
        sandboxUrl: e2bFake.url,
        domain: 'example.com',
        template: image,
        job: 'bench',
      }),
    ],
    [
      'daytona (fake API)',
      DaytonaRuntime({ apiKey: daytonaKey, apiUrl: daytonaFake.url, image, job: 'bench' }),
    ],
    ['modal (fake API)', ModalRuntime({ client: modalClient, image, job: 'bench' })],
  ];
  const runtimes = providers.map(([name, provider]): [string, BenchAcquire] => [
    name,
    async (row) => {
      const lease = await provider(row);
      return {
        url: lease.url,
        close: () => lease.close(),
        removed: () => backend.settled(),
      };
    },
  ]);
  return {
    runtimes,
    close: async () => {
      await Promise.allSettled(providers.map(([, provider]) => provider.close()));
      await Promise.allSettled([e2bFake.close(), daytonaFake.close(), modalFake.close()]);
      await backend.settled();
      modalClient.close();
      // Only this bench's containers (other runs on the engine carry the same label); gone ones fail quietly.
      const made = docker.containers as string[];
      if (made.length > 0) await run('docker', ['rm', '--force', ...made]);
    },
  };
}
