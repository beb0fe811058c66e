import websocket from '@fastify/websocket';
import type Docker from 'dockerode';
import fastify, { type FastifyInstance, LogController } from 'fastify';
import { BuildService } from './builds/build-service.js';
import { Authenticator, installAuth, type RouteFlags } from './http/auth.js';
import { installRequestLog, type LogLevel, loggerOptions } from './http/logging.js';
import { installErrorReplies } from './http/replies.js';
import { defaultViewerDir, installViewerPages } from './http/viewer-pages.js';
import type { LlmOptions } from './llm/options.js';
import { ProviderKeyVault } from './llm/provider-keys.js';
import { SecretBox } from './llm/secret-box.js';
import { registerBuildRoutes } from './routes/builds.js';
import type { BodyLimits, DeviceFlowOptions, RouteContext } from './routes/context.js';
import { registerDeviceRoutes } from './routes/device.js';
import { registerJobRoutes } from './routes/jobs.js';
import { registerKeyRoutes } from './routes/keys.js';
import { registerLeaderboardRoutes } from './routes/leaderboard.js';
import { registerLifecycleRoutes } from './routes/lifecycle.js';
import { registerLlmRoutes } from './routes/llm.js';
import { registerModelRoutes } from './routes/models.js';
import { registerOtlpRoutes } from './routes/otlp.js';
import { registerProviderRoutes } from './routes/providers.js';
import { registerQaRoutes } from './routes/qa.js';
import { registerRegistryRoutes } from './routes/registry.js';
import { registerRolloutSubmitRoutes } from './routes/rollout-submit.js';
import { registerRolloutRoutes } from './routes/rollouts.js';
import { registerRuntimeSessionRoutes } from './routes/runtime-sessions.js';
import { registerRuntimeSessionWorkerRoutes } from './routes/runtime-sessions-workers.js';
import { registerTasksetRoutes } from './routes/tasksets.js';
import { registerTelemetryRoutes } from './routes/telemetry.js';
import { registerTraceLogRoutes } from './routes/trace-logs.js';
import { registerTrainRoutes, type TrainerOptions } from './routes/train.js';
import { registerTraceStreamRoute } from './routes/viewer-trace-stream.js';
import { registerWorkerRoutes } from './routes/workers.js';
import { RolloutHub, type RolloutOptions } from './routes/workers-hub.js';
import { RuntimeSessions } from './runtime-sessions/session-registry.js';
import type { RuntimeSessionOptions } from './runtime-sessions/session-types.js';
import type { GatewayStore } from './store/store.js';
import { VERSION } from './version.js';

const MiB = 1024 * 1024;

/** Options of {@link createGatewayApp}. */
export interface GatewayAppOptions {
  store: GatewayStore;
  /** Log level (default `info`); lines go to `logStream` (default stderr) as JSON. */
  logLevel?: LogLevel;
  logStream?: NodeJS.WritableStream;
  /** Body limits in bytes (defaults: 1 MiB, telemetry 64 MiB, task uploads 32 MiB). */
  bodyLimits?: Partial<BodyLimits>;
  /** Device flow timing (defaults: codes live 600 s, clients poll every 5 s). */
  deviceFlow?: Partial<DeviceFlowOptions>;
  /** The URL people open the gateway at (device page links); default: the request's own host. */
  publicUrl?: string;
  /** How long a key check is cached, ms (default 5,000). */
  keyCacheMs?: number;
  /** Environment builds (`/v2/builds/*`); without `dir` those routes answer 503. */
  builds?: BuildOptions;
  /** The LLM gateway (`/v1/*`, `/v1beta/*`): pooled provider keys, retries; without keys calls answer 503. */
  llm?: LlmOptions;
  /**
   * Seals teams' own provider keys (BYOK) at rest; {@link startGateway} passes one from
   * `HUD_GATEWAY_SECRET` or `<data dir>/secret.key`. Default: a random key for this process only.
   */
  secretBox?: SecretBox;
  /** Hosted runtime sessions (`/runtime/*`, `--runtime hud`): timing (defaults: ready wait 300 s, …). */
  runtimeSessions?: Partial<RuntimeSessionOptions>;
  /** Hosted rollouts: lease TTL (30 s), max attempts (3), per-team concurrency (no limit). */
  rollouts?: RolloutOptions;
  /** Where training calls (`/v1/models/{id}/train/*`) are forwarded (`--trainer-url`); without it they answer 503. */
  trainer?: TrainerOptions;
  /** The built trace viewer served at `/`, `/jobs`, `/traces/<id>` (default: `dist/viewer`; `false`: none). */
  viewerDir?: string | false;
}

/** Where and how the gateway builds environments. */
export interface BuildOptions {
  /** Where build contexts and logs live (`<data dir>/builds`). */
  dir?: string;
  /** `host:port` of an OCI registry each built version is pushed to (else images stay on the engine). */
  registry?: string;
  /** Largest build context accepted, bytes (default 512 MiB). */
  contextLimit?: number;
  /** Seconds an upload URL stays valid (default 900). */
  uploadTtlSeconds?: number;
  /** The Docker engine (default: dockerode's, from DOCKER_HOST or the local socket). */
  docker?: Docker;
}

/**
 * The gateway's fastify instance with every route registered and nothing listening yet (tests drive it
 * with `inject`; {@link startGateway} listens). Every route but `/health` and the device flow needs a key;
 * errors answer `{error: {code, message}, detail}`. A later part adds its routes with the same flags
 * (`config: {public: true}` or `{queryKey: true}`, see {@link RouteFlags}).
 */
export function createGatewayApp(options: GatewayAppOptions): FastifyInstance {
  const limits: BodyLimits = {
    default: options.bodyLimits?.default ?? MiB,
    telemetry: options.bodyLimits?.telemetry ?? 64 * MiB,
    tasks: options.bodyLimits?.tasks ?? 32 * MiB,
  };
  const app = fastify({
    logger: loggerOptions(options.logLevel ?? 'info', options.logStream ?? process.stderr),
    // Requests are logged by installRequestLog (redacted, at debug), not by fastify's default lines.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: limits.default,
    forceCloseConnections: true,
    routerOptions: { ignoreTrailingSlash: true },
  });
  const authenticator = new Authenticator(options.store.keys, {
    ...(options.keyCacheMs === undefined ? {} : { cacheMs: options.keyCacheMs }),
  });
  const context: RouteContext = {
    store: options.store,
    authenticator,
    limits,
    device: {
      codeTtlSeconds: options.deviceFlow?.codeTtlSeconds ?? 600,
      pollIntervalSeconds: options.deviceFlow?.pollIntervalSeconds ?? 5,
    },
    publicUrl: options.publicUrl,
    version: VERSION,
  };
  // The /device form posts urlencoded fields; WHATWG URLSearchParams reads them.
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(String(body)))),
  );
  installErrorReplies(app);
  installAuth(app, authenticator);
  installRequestLog(app);

  const health: RouteFlags = { public: true };
  app.get('/health', { config: health }, async () => ({
    status: 'ok',
    version: VERSION,
    database: options.store.dialect,
  }));
  registerKeyRoutes(app, context);
  registerDeviceRoutes(app, context);
  registerTelemetryRoutes(app, context);
  registerOtlpRoutes(app, context);
  registerLifecycleRoutes(app, context);
  registerJobRoutes(app, context);
  registerTraceLogRoutes(app, context);
  registerLeaderboardRoutes(app, context);
  registerTraceStreamRoute(app, context);
  installViewerPages(
    app,
    options.viewerDir === false ? undefined : (options.viewerDir ?? defaultViewerDir()),
  );
  registerTasksetRoutes(app, context);
  registerQaRoutes(app, context);
  registerRegistryRoutes(app, context);
  registerModelRoutes(app, context);
  registerTrainRoutes(app, context, options.trainer);
  const hub = new RolloutHub(options.store.rolloutQueue, authenticator, options.rollouts);
  hub.install(app);
  registerRolloutRoutes(app, context, hub);
  registerRolloutSubmitRoutes(app, context, hub);
  registerWorkerRoutes(app, context, hub);
  const vault = new ProviderKeyVault(
    options.store.providerKeys,
    options.secretBox ?? SecretBox.ephemeral(),
  );
  registerProviderRoutes(app, vault);
  registerLlmRoutes(app, context, options.llm, vault);
  const builds = options.builds ?? {};
  const service = builds.dir
    ? new BuildService({
        store: options.store.builds,
        dir: builds.dir,
        ...(builds.registry ? { registry: builds.registry } : {}),
        ...(builds.docker ? { docker: builds.docker } : {}),
      })
    : undefined;
  // Builds a previous process left unfinished are marked FAILED before the first request.
  if (service) app.addHook('onReady', () => service.recover());
  app.register(websocket, { options: { maxPayload: MiB } });
  app.register(async (scope) =>
    registerBuildRoutes(scope, context, {
      service,
      contextLimit: builds.contextLimit ?? 512 * MiB,
      uploadTtlSeconds: builds.uploadTtlSeconds ?? 900,
    }),
  );
  const runtimeSessions = new RuntimeSessions(options.runtimeSessions);
  app.addHook('preClose', async () => runtimeSessions.close());
  app.register(async (scope) => {
    registerRuntimeSessionRoutes(scope, runtimeSessions);
    registerRuntimeSessionWorkerRoutes(scope, context, runtimeSessions);
  });
  return app;
}
