import { connect, type Socket } from 'node:net';
import type { FakeProcess, FakeSandbox, FakeSandboxBackend } from './sandbox-backend.js';

/** What an emulated sandbox was asked to do. */
export interface EmulatedSandbox {
  readonly id: string;
  readonly image: string;
  readonly files: Map<string, Buffer>;
  readonly commands: string[][];
  removed: boolean;
}

/** What an emulated command does (see {@link EmulatedBackend}). */
export type EmulatedScript = (
  argv: readonly string[],
) => { output?: string; exitCode?: number } | undefined;

/**
 * Sandboxes emulated in this process, for contract tests without Docker: files and commands are recorded
 * (commands "run" until killed), and every port connects to `target` — a control-channel server the test
 * started — so the vendor's in-sandbox bridge is stood in for by the fake itself.
 */
export class EmulatedBackend implements FakeSandboxBackend {
  readonly sandboxes: EmulatedSandbox[] = [];
  readonly #target: () => { host: string; port: number };
  readonly #script: EmulatedScript | undefined;
  #pid = 100;

  /**
   * @param target where every port of every sandbox connects.
   * @param script what a command does: output to write at once, and an exit code to end with (default:
   *   silent, running until killed).
   */
  constructor(target: () => { host: string; port: number }, script?: EmulatedScript) {
    this.#target = target;
    this.#script = script;
  }

  async create(spec: { id: string; image: string }): Promise<FakeSandbox> {
    const record: EmulatedSandbox = {
      id: spec.id,
      image: spec.image,
      files: new Map(),
      commands: [],
      removed: false,
    };
    this.sandboxes.push(record);
    const running = new Set<() => void>();
    return {
      proxiesHttp: false,
      writeFile: async (path, data) => {
        record.files.set(path, data);
      },
      exec: (argv, options) => {
        record.commands.push([...argv]);
        const scripted = this.#script?.(argv);
        let stop: (code: number) => void = () => {};
        const exited = new Promise<number>((resolve) => {
          stop = resolve;
        });
        const kill = () => stop(137);
        running.add(kill);
        if (scripted?.output !== undefined) {
          const output = scripted.output;
          setImmediate(() => options.onOutput?.('stderr', Buffer.from(output)));
        }
        if (scripted?.exitCode !== undefined) {
          const code = scripted.exitCode;
          setTimeout(() => stop(code), 50);
        }
        const process: FakeProcess = { pid: this.#pid++, exited, kill };
        return process;
      },
      connect: (): Promise<Socket> =>
        new Promise((resolve, reject) => {
          const socket = connect(this.#target());
          socket.once('connect', () => resolve(socket));
          socket.once('error', reject);
        }),
      remove: async () => {
        record.removed = true;
        for (const kill of running) kill();
      },
    };
  }
}
