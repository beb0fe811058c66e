import type { Socket } from 'node:net';

/** A process a fake sandbox runs: its pid, its end, and a way to stop it. */
export interface FakeProcess {
  readonly pid: number;
  /** Resolves with the exit code when the process ends. */
  readonly exited: Promise<number>;
  kill(): void;
}

/** One sandbox of a fake vendor: what the vendor's data plane does to it. */
export interface FakeSandbox {
  /** Writes a file inside the sandbox. */
  writeFile(path: string, data: Buffer): Promise<void>;
  /** Runs `argv` inside the sandbox; `onOutput` gets its stdout and stderr chunks. */
  exec(
    argv: readonly string[],
    options: {
      env?: Readonly<Record<string, string>>;
      onOutput?: (stream: 'stdout' | 'stderr', chunk: Buffer) => void;
    },
  ): FakeProcess;
  /**
   * Whether something in the sandbox itself answers HTTP upgrades (a real container running the vendor
   * adapter's bridge): the fake's port host then proxies the raw HTTP connection to the port, as the
   * vendor's does. False for emulated sandboxes: the fake ends the WebSocket itself and splices its
   * payload to the port (standing in for the bridge).
   */
  readonly proxiesHttp: boolean;
  /** Opens a TCP connection to `port` inside the sandbox. */
  connect(port: number): Promise<Socket>;
  /** Removes the sandbox and everything it runs. Idempotent. */
  remove(): Promise<void>;
}

/** Where fake vendors' sandboxes come from: emulated in this process, or real containers. */
export interface FakeSandboxBackend {
  create(spec: {
    id: string;
    image: string;
    env: Readonly<Record<string, string>>;
    labels: Readonly<Record<string, string>>;
    /**
     * What the sandbox runs instead of the image's CMD (Daytona runs its own daemon): absent, the image's
     * CMD runs (E2B templates start it).
     */
    entrypoint?: readonly string[];
  }): Promise<FakeSandbox>;
}
