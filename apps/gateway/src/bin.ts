import { homedir } from 'node:os';
import path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { messageOf } from './errors.js';
import { startGateway } from './gateway.js';
import type { LogLevel } from './http/logging.js';
import { parseFallbackFlag } from './llm/fallbacks.js';
import type { ProviderAccess } from './llm/options.js';
import { VERSION } from './version.js';

const LOG_LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function port(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65_535) {
    throw new InvalidArgumentError('expected a port number from 0 to 65535');
  }
  return parsed;
}

function registryAddress(value: string): string {
  if (!/^[A-Za-z0-9.-]+(:\d{1,5})?(\/[a-z0-9._/-]+)?$/.test(value)) {
    throw new InvalidArgumentError('expected host:port of an OCI registry, e.g. 127.0.0.1:5000');
  }
  return value;
}

function trainerUrl(value: string): string {
  if (!URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol)) {
    throw new InvalidArgumentError(
      'expected an http(s) URL of the trainer, e.g. http://127.0.0.1:8000',
    );
  }
  return value;
}

function positiveSeconds(value: string): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0 || parsed > 86_400) {
    throw new InvalidArgumentError('expected seconds above 0 (at most 86400), e.g. 30 or 0.5');
  }
  return parsed;
}

function positiveInteger(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1 || parsed > 1_000_000) {
    throw new InvalidArgumentError('expected a whole number from 1 to 1000000');
  }
  return parsed;
}

function databaseUrl(value: string): string {
  if (!/^postgres(ql)?:\/\//.test(value)) {
    throw new InvalidArgumentError('expected a postgres:// or postgresql:// URL');
  }
  return value;
}

/** Collects repeated `--fallback <model>=<fallback>[,<fallback>…]` values. */
function fallback(
  value: string,
  previous: Record<string, string[]> = {},
): Record<string, string[]> {
  try {
    return parseFallbackFlag(value, previous);
  } catch (error) {
    throw new InvalidArgumentError(messageOf(error));
  }
}

/** Pooled provider keys from the gateway's own environment (`<P>_API_KEY`, optional `<P>_BASE_URL`). */
function pooledProviderKeys(): Record<string, ProviderAccess> {
  const providers: Record<string, ProviderAccess> = {};
  for (const [provider, prefix] of [
    ['anthropic', 'ANTHROPIC'],
    ['openai', 'OPENAI'],
    ['gemini', 'GEMINI'],
  ] as const) {
    const apiKey = process.env[`${prefix}_API_KEY`];
    const baseUrl = process.env[`${prefix}_BASE_URL`];
    if (apiKey) providers[provider] = { apiKey, ...(baseUrl ? { baseUrl } : {}) };
  }
  return providers;
}

const program = new Command('hud-gateway')
  .description(
    'A self-hosted HUD platform: the API of the hud CLI and the Python hud SDK, on SQLite or PostgreSQL.',
  )
  .version(VERSION)
  .option('--host <address>', 'address to listen on', '127.0.0.1')
  .option('--port <port>', 'port to listen on (0: any free port)', port, 7600)
  .option(
    '--data-dir <dir>',
    'where the SQLite database and the build contexts and logs live',
    path.join(homedir(), '.hud', 'gateway'),
  )
  .option(
    '--database-url <url>',
    'use PostgreSQL at this postgres:// URL instead of SQLite',
    databaseUrl,
  )
  .option(
    '--registry <host:port>',
    'push each built environment version to this OCI registry (else images stay on the Docker engine)',
    registryAddress,
  )
  .option('--public-url <url>', 'the URL people open the gateway at (device login links)')
  .option(
    '--trainer-url <url>',
    'forward training calls (/v1/models/<id>/train/*) to this trainer (a Tinker-compatible or HUD RL service) and record checkpoints from its optim-step results; HUD_GATEWAY_TRAINER_KEY is sent to it as the bearer key',
    trainerUrl,
  )
  .option(
    '--lease-ttl <seconds>',
    "hosted rollouts: seconds a worker's lease lives without a heartbeat",
    positiveSeconds,
    30,
  )
  .option(
    '--max-attempts <n>',
    'hosted rollouts: attempts before an infrastructure failure is recorded as the error',
    positiveInteger,
    3,
  )
  .option(
    '--team-concurrency <n>',
    'hosted rollouts: most rollouts one team has leased at once (default: no limit)',
    positiveInteger,
  )
  .option(
    '--fallback <model=fallbacks>',
    'LLM routes: when <model> still answers 429/5xx after retries (or is unreachable), try these catalog models in order, e.g. claude-opus-4-8=claude-sonnet-4-6 (repeatable)',
    fallback,
  )
  .addOption(
    new Option('--log-level <level>', 'log level (JSON lines on stderr)')
      .choices(LOG_LEVELS)
      .default('info'),
  )
  .addHelpText(
    'after',
    '\nEnvironment: HUD_GATEWAY_BOOTSTRAP_KEY=<key> accepts that admin key (stored on first use) instead of\nminting one. ANTHROPIC_API_KEY, OPENAI_API_KEY, GEMINI_API_KEY (with optional *_BASE_URL)\nare the pooled provider keys of the LLM routes (/v1/*, /v1beta/*); team keys (hud keys provider\nset) are stored encrypted under HUD_GATEWAY_SECRET, else a key generated into <data-dir>/secret.key.\nPoint clients at the gateway with HUD_API_URL=<url> and HUD_API_KEY=<key>.\n',
  )
  .action(
    async (options: {
      host: string;
      port: number;
      dataDir: string;
      databaseUrl?: string;
      publicUrl?: string;
      trainerUrl?: string;
      registry?: string;
      fallback?: Record<string, string[]>;
      logLevel: LogLevel;
      leaseTtl: number;
      maxAttempts: number;
      teamConcurrency?: number;
    }) => {
      const bootstrapKey = process.env.HUD_GATEWAY_BOOTSTRAP_KEY || undefined;
      const secret = process.env.HUD_GATEWAY_SECRET || undefined;
      const gateway = await startGateway({
        host: options.host,
        port: options.port,
        dataDir: options.dataDir,
        logLevel: options.logLevel,
        ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}),
        ...(options.publicUrl ? { publicUrl: options.publicUrl } : {}),
        ...(options.trainerUrl
          ? {
              trainer: {
                url: options.trainerUrl,
                ...(process.env.HUD_GATEWAY_TRAINER_KEY
                  ? { apiKey: process.env.HUD_GATEWAY_TRAINER_KEY }
                  : {}),
              },
            }
          : {}),
        ...(options.registry ? { builds: { registry: options.registry } } : {}),
        ...(bootstrapKey ? { bootstrapKey } : {}),
        ...(secret ? { secret } : {}),
        rollouts: {
          leaseTtlSeconds: options.leaseTtl,
          maxAttempts: options.maxAttempts,
          teamConcurrency: options.teamConcurrency ?? null,
        },
        llm: {
          providers: pooledProviderKeys(),
          ...(options.fallback ? { fallbacks: options.fallback } : {}),
        },
      });
      const lines = [
        `hud-gateway ${VERSION} listening on ${gateway.url} (${gateway.store.dialect}: ${gateway.database})`,
      ];
      if (gateway.adminKey) {
        lines.push(
          `admin API key (shown once, keep it now): ${gateway.adminKey}`,
          `  export HUD_API_URL=${gateway.url} HUD_API_KEY=${gateway.adminKey}`,
        );
      } else if (gateway.bootstrap === 'bootstrap-key') {
        lines.push('admin API key: the one in HUD_GATEWAY_BOOTSTRAP_KEY (stored now)');
      }
      process.stdout.write(`${lines.join('\n')}\n`);
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        gateway
          .close()
          .then(() => process.stderr.write(`hud-gateway: stopped (${signal})\n`))
          .catch((error: unknown) => {
            process.stderr.write(`hud-gateway: error while stopping: ${messageOf(error)}\n`);
            process.exitCode = 1;
          });
      };
      process.once('SIGINT', () => stop('SIGINT'));
      process.once('SIGTERM', () => stop('SIGTERM'));
    },
  );

program.parseAsync().catch((error: unknown) => {
  process.stderr.write(`hud-gateway: ${messageOf(error)}\n`);
  process.exitCode = 1;
});
