import { HudError, hasBrand } from '@hud/protocol';
import type { z } from 'zod';
import type { BrowserOptions } from './capabilities/browser.js';
import type { McpServeOptions, McpSource } from './capabilities/mcp.js';
import { Screen, type ScreenOptions } from './capabilities/screen.js';
import { type CapabilityRecord, capabilityManifest } from './capability.js';
import {
  type AnswerOf,
  createTaskFactory,
  createTemplate,
  type TaskFactory,
  type Template,
  type TemplateBody,
  type TemplateOptions,
} from './template.js';
import { Workspace, type WorkspaceOptions } from './workspace/workspace.js';

const ENVIRONMENT_BRAND = Symbol.for('hud.environment');

/** A lifecycle hook: runs once per served process (not per task). */
export type Hook = () => void | Promise<void>;

/** Options of {@link Environment}. */
export interface EnvironmentOptions {
  /** The join key of task rows (`Task.env`) and the identity in `hello` (default `"environment"`). */
  name?: string;
  /** Default `"0.0.1"`, as hud-python. */
  version?: string;
  /** Capabilities known up front (most are published by `initialize` hooks once their daemon runs). */
  capabilities?: CapabilityRecord[];
}

/**
 * A declared world agents act in: name, version, capabilities, task templates and lifecycle hooks
 * (hud-python `Environment`, spec §1.1). Serve it with `serve(env)` or `hud serve env.ts`.
 * @example
 * export const env = new Environment({ name: 'letter-count', version: '0.1.0' });
 * export const count = env.template(
 *   { id: 'count', args: z.object({ word: z.string(), letter: z.string() }) },
 *   async function* ({ word, letter }) {
 *     const answer = yield `How many '${letter}'s are in '${word}'?`;
 *     yield answer.trim() === String([...word].filter((c) => c === letter).length) ? 1 : 0;
 *   },
 * );
 */
export class Environment {
  /** True for any Environment, including one created by another copy of this package. */
  static isInstance(value: unknown): value is Environment {
    return hasBrand(value, ENVIRONMENT_BRAND);
  }
  readonly [ENVIRONMENT_BRAND] = true;
  readonly name: string;
  readonly version: string;
  readonly #capabilities: CapabilityRecord[] = [];
  readonly #templates = new Map<string, Template>();
  readonly #onStart: Hook[] = [];
  readonly #onStop: Hook[] = [];
  #started: Promise<void> | undefined;
  #hooksDone = false;
  /** Receives warnings (e.g. a capability added after start); libraries never print. */
  warn: (message: string) => void = () => {};

  constructor(options: EnvironmentOptions = {}) {
    this.name = options.name ?? 'environment';
    this.version = options.version ?? '0.0.1';
    for (const capability of options.capabilities ?? []) this.addCapability(capability);
  }

  /** Published capabilities, in publication order. */
  get capabilities(): readonly CapabilityRecord[] {
    return this.#capabilities;
  }

  /** Registered templates by id (insertion order = `tasks.list` order). */
  get templates(): ReadonlyMap<string, Template> {
    return this.#templates;
  }

  /**
   * Publishes a capability, replacing one with the same name (moved to the end).
   * @throws HudError `invalid_argument` when `url` is empty (start the daemon in an initialize hook first).
   */
  addCapability(capability: CapabilityRecord): void {
    if (!capability.url) {
      throw new HudError(
        'invalid_argument',
        `capability '${capability.name}' has no url: start its service in an initialize hook and publish it from there`,
      );
    }
    const index = this.#capabilities.findIndex((existing) => existing.name === capability.name);
    if (index !== -1) this.#capabilities.splice(index, 1);
    this.#capabilities.push(capability);
    if (this.#hooksDone) {
      this.warn(
        `capability '${capability.name}' added after start: clients connected earlier do not see it`,
      );
    }
  }

  /**
   * The capability with exactly this name.
   * @throws HudError `capability_not_found` (`unknown capability: 'x'`).
   */
  capability(name: string): CapabilityRecord {
    const found = this.#capabilities.find((capability) => capability.name === name);
    if (!found) throw new HudError('capability_not_found', `unknown capability: '${name}'`);
    return found;
  }

  /** The `hello.bindings` manifest: every capability as `{name, protocol, url, params}`. */
  manifest(): ReturnType<typeof capabilityManifest>[] {
    return this.#capabilities.map(capabilityManifest);
  }

  /** Registers a hook run once when serving starts, before the port is announced. Returns `hook`. */
  initialize<H extends Hook>(hook: H): H {
    this.#onStart.push(hook);
    return hook;
  }

  /** Registers a hook run on stop, in reverse registration order; its errors are reported, not thrown. */
  shutdown<H extends Hook>(hook: H): H {
    this.#onStop.push(hook);
    return hook;
  }

  /**
   * Registers a template and returns a factory minting task rows for it.
   * @throws HudError `template_error` for a duplicate id or a body that is not a function.
   */
  template<
    ArgsSchema extends z.ZodType = z.ZodObject<Record<string, never>>,
    ReturnsSchema extends z.ZodType | undefined = undefined,
  >(
    options: TemplateOptions<ArgsSchema, ReturnsSchema>,
    // NoInfer: both type parameters come from `options`; inferring them from the generator too leaks the
    // uninstantiated answer type into `yield` (the answer became `string | TypedAnswer<unknown>`).
    body: NoInfer<TemplateBody<z.output<ArgsSchema>, AnswerOf<ReturnsSchema>>>,
  ): TaskFactory<z.input<ArgsSchema>> {
    const template = createTemplate(
      options as TemplateOptions<z.ZodType, z.ZodType | undefined>,
      body,
    );
    if (this.#templates.has(template.id)) {
      throw new HudError(
        'template_error',
        `template '${template.id}' already registered on env '${this.name}'`,
      );
    }
    this.#templates.set(template.id, template);
    return createTaskFactory<z.input<ArgsSchema>>(template, this);
  }

  /**
   * Serves MCP tools on streamable HTTP (127.0.0.1, any free port) while the environment runs, published
   * as capability `options.name` (default `tools`, protocol `mcp/2025-11-25`, `params.transport`
   * `streamable-http`). `source` is a list of tools (see `mcpTool`) or a factory building a fresh
   * `McpServer` of `@modelcontextprotocol/sdk` per request. Registers an initialize hook that starts the
   * server (the SDK loads only then) and a shutdown hook that closes it.
   * @example
   * env.mcp([mcpTool({ name: 'kv_get', description: 'Read a key', inputSchema: { key: z.string() }, handler: ({ key }) => store.get(key) ?? '' })]);
   */
  mcp(source: McpSource, options: McpServeOptions = {}): void {
    this.#runService(options.name, async () => {
      const { McpHttpService } = await import('./capabilities/mcp.js');
      return McpHttpService.start(source, {
        serverInfo: { name: this.name, version: this.version },
        ...options,
      });
    });
  }

  /**
   * Runs headless Chromium (default `/usr/bin/chromium`) with remote debugging on 127.0.0.1 and a fresh
   * profile while the environment runs, published as capability `options.name` (default `browser`,
   * protocol `cdp/1.3`, url `http://127.0.0.1:<port>`). The shutdown hook stops Chromium's whole process
   * group and removes the profile.
   * @throws BrowserLaunchError from the initialize hook when Chromium is missing or does not start.
   */
  browser(options: BrowserOptions = {}): void {
    this.#runService(options.name, async () => {
      const { ChromiumBrowser } = await import('./capabilities/browser.js');
      return ChromiumBrowser.launch(options);
    });
  }

  /**
   * Registers an initialize hook that starts a service and publishes its capability `name` (the service's
   * default when undefined), and a shutdown hook that closes it (once; nothing when it never started).
   */
  #runService(
    name: string | undefined,
    start: () => Promise<{ capability(name?: string): CapabilityRecord; close(): Promise<void> }>,
  ): void {
    let service: { close(): Promise<void> } | undefined;
    this.initialize(async () => {
      const started = await start();
      service = started;
      this.addCapability(started.capability(name));
    });
    this.shutdown(async () => {
      const running = service;
      service = undefined;
      await running?.close();
    });
  }

  /**
   * Runs a virtual screen while the environment runs: Xvfb on a free display (default 1280x800x24) with
   * x11vnc on a free 127.0.0.1 port, published as capability `options.name` (default `screen`, protocol
   * `rfb/3.8`, url `rfb://127.0.0.1:<port>`, params `{display, password?, width, height,
   * horizontal_scroll}`). Returns the {@link Screen}: after start, `screen.display` / `screen.processEnv()`
   * let the environment launch X programs on it. The initialize hook starts the daemons (their code loads only then); the shutdown hook
   * stops both process groups.
   * @example
   * const screen = env.screen({ width: 1024, height: 768 });
   * env.initialize(() => void spawn('xeyes', { env: screen.processEnv(), stdio: 'ignore' }));
   */
  screen(options: ScreenOptions = {}): Screen {
    const screen = new Screen(options);
    this.initialize(async () => {
      await screen.start();
      this.addCapability(screen.capability());
    });
    this.shutdown(() => screen.stop());
    return screen;
  }

  /**
   * Serves a shell workspace while the environment runs (hud-python `Environment.workspace`, spec §3.2):
   * an SSH server on 127.0.0.1 with fresh keys, published as capability `options.name` (default `shell`,
   * protocol `ssh/2`), every session a fresh `bash -lc` in `dir` — inside a bubblewrap sandbox (at
   * `/workspace`, no network) when bubblewrap works. `dir` defaults to a fresh temp directory per start;
   * `options.seed` is copied in at each start. The initialize hook starts it (`ssh2` loads only then); the
   * shutdown hook stops it and deletes the keys. Returns the {@link Workspace} (`executor()` for graders).
   * Unless `options.trackFiles` is false (or `serve` was given `fileTracking: false`, as `hud serve` is by
   * `HUD_FILE_TRACKING_ENABLED=false`), it also publishes `filetracking` (protocol `filetracking/1`, spec
   * §3.7): diffs of the directory over time for the trace, not a tool for the agent.
   * @throws HudError `unsupported` from the initialize hook when `requireIsolation` is set and bubblewrap
   *   is unavailable.
   * @example
   * const workspace = env.workspace({ seed: new URL('./project/', import.meta.url) });
   * const tests = new BashGrader({ executor: workspace.executor() });
   */
  workspace(options?: WorkspaceOptions): Workspace;
  workspace(dir: string | URL | undefined, options?: WorkspaceOptions): Workspace;
  workspace(
    dirOrOptions?: string | URL | WorkspaceOptions,
    options: WorkspaceOptions = {},
  ): Workspace {
    const workspace =
      typeof dirOrOptions === 'string' || dirOrOptions instanceof URL || dirOrOptions === undefined
        ? new Workspace(dirOrOptions, options)
        : new Workspace(undefined, dirOrOptions);
    this.initialize(async () => {
      this.addCapability(await workspace.start());
      const tracking = workspace.fileTrackingCapability;
      if (tracking !== undefined) this.addCapability(tracking);
    });
    this.shutdown(() => workspace.stop());
    return workspace;
  }

  /**
   * Runs the initialize hooks once, in order (idempotent until {@link Environment.stop}).
   * @throws whatever a hook throws (hooks after it do not run).
   */
  start(): Promise<void> {
    this.#started ??= (async () => {
      for (const hook of this.#onStart) await hook();
      this.#hooksDone = true;
    })();
    return this.#started;
  }

  /** Runs the shutdown hooks in reverse order, best effort; errors go to {@link Environment.warn}. */
  async stop(): Promise<void> {
    for (const hook of [...this.#onStop].reverse()) {
      try {
        await hook();
      } catch (error) {
        this.warn(
          `shutdown hook failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
    this.#started = undefined;
    this.#hooksDone = false;
  }
}
