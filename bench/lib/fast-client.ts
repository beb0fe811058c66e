import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const SOURCE = fileURLToPath(new URL('fast-client.c', import.meta.url));

/**
 * Compiles `fast-client.c` with the system C compiler (`$CC`, else `cc`) into the temp directory, keyed by
 * the source's hash, and returns the binary's path (reused while the source is unchanged).
 * @throws Error when no C compiler is found or the build fails.
 */
export function buildFastClient(): string {
  const source = readFileSync(SOURCE);
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 16);
  const binary = path.join(os.tmpdir(), `hud-bench-fast-client-${hash}`);
  if (existsSync(binary)) return binary;
  const compiler = process.env.CC ?? 'cc';
  const temporary = `${binary}.${process.pid}`;
  try {
    execFileSync(compiler, ['-O2', '-o', temporary, SOURCE], { stdio: 'inherit' });
  } catch (error) {
    throw new Error(
      `bench/lib/fast-client.c needs a C compiler (${compiler}): ${(error as Error).message}`,
    );
  }
  execFileSync('mv', [temporary, binary]);
  return binary;
}

/** One block of cycles measured by the fast client. */
export interface FastBlock {
  /** Wall time of the block, seconds (client side: first request written → last reply read). */
  seconds: number;
  /** Per cycle (start written → grade reply read), µs, in cycle order. */
  latenciesUs: number[];
}

/**
 * The fast client (fast-client.c) in its own process, holding one connection to a server: it writes the
 * next request as soon as it has read the reply, so the server sets the pace.
 */
export class FastClient {
  readonly #child: ChildProcess;
  readonly #lines: Interface;
  readonly #waiting: ((line: string) => void)[] = [];
  #nextId = 1;

  private constructor(child: ChildProcess) {
    this.#child = child;
    this.#lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    this.#lines.on('line', (line) => this.#waiting.shift()?.(line));
  }

  /**
   * Starts the client on `127.0.0.1:<port>` and waits for its connection.
   * @throws Error when it cannot connect.
   */
  static async connect(port: number): Promise<FastClient> {
    const child = spawn(buildFastClient(), [String(port)], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const client = new FastClient(child);
    const first = await client.#nextLine();
    if (first !== 'connected') throw new Error(`fast client: ${first}`);
    return client;
  }

  #nextLine(): Promise<string> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null) =>
        reject(new Error(`fast client exited (${code}) without answering`));
      this.#child.once('exit', onExit);
      this.#waiting.push((line) => {
        this.#child.off('exit', onExit);
        resolve(line);
      });
    });
  }

  /**
   * Runs `cycles` start+grade cycles on the connection.
   * @throws Error on an unexpected reply (the client exits).
   */
  async run(cycles: number): Promise<FastBlock> {
    const reply = this.#nextLine();
    this.#child.stdin?.write(`run ${cycles} ${this.#nextId}\n`);
    this.#nextId += 2 * cycles;
    const line = await reply;
    if (!line.startsWith('ok ')) throw new Error(`fast client: ${line}`);
    const [wall = '0', ...latencies] = line.slice(3).split(' ');
    return {
      seconds: Number(wall) / 1e9,
      latenciesUs: latencies.map((ns) => Number(ns) / 1000),
    };
  }

  /** Closes the connection and waits for the client to exit. */
  async close(): Promise<void> {
    if (this.#child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => this.#child.once('exit', () => resolve()));
    this.#child.stdin?.end('quit\n');
    await exited;
    this.#lines.close();
  }
}
