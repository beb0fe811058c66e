import type { Logger } from '@hud/environment';
import type { Provider, TaskRow } from '@hud/protocol';
import { recordedImage } from '../docker/project.js';
import { loadDaytonaRuntime, loadE2BRuntime, loadModalRuntime } from '../optional-package.js';
import { loadSettings } from '../settings.js';

/** The sandbox vendors `--runtime` names, each optionally `:<image>`. */
export const VENDOR_RUNTIMES = ['e2b', 'daytona', 'modal'] as const;

/** Whether `runtime` names a sandbox vendor (`e2b`, `e2b:<template>`, …). */
export function isVendorRuntime(runtime: string): boolean {
  const name = runtime.split(':')[0] ?? '';
  return (VENDOR_RUNTIMES as readonly string[]).includes(name);
}

/** What {@link vendorProvider} needs of `chooseProvider`'s options. */
export interface VendorChoiceOptions {
  runtime: string;
  source: string;
  readyTimeoutMs?: number;
  job?: () => string | undefined;
  logger?: Logger;
  /** The vendors' keys and URLs (default: {@link loadSettings}: the environment, ./.env, ~/.hud/.env). */
  settings?: Record<string, string | undefined>;
}

/** The provider of a vendor runtime and what to close when the job is done (a `ChosenProvider`). */
export interface VendorChoice {
  provider: Provider;
  label: string;
  close(): Promise<void>;
  /** E2B, Daytona: deletes the sandboxes of earlier jobs whose hud process is gone (before the job starts). */
  reapOrphans?: () => Promise<{ removed: readonly string[]; jobs: readonly string[] }>;
  /** What one rollout runs in, for the reaping line. */
  substrate: 'sandbox';
}

const setting = (settings: Record<string, string | undefined>, key: string) =>
  settings[key]?.trim() || undefined;

/**
 * `--runtime e2b[:<template>]`, `daytona[:<image>]` or `modal[:<image>]`: one sandbox per rollout through the vendor's
 * runtime package (an optional peer of the CLI). The image (E2B: template) of a row: the one named after
 * the colon, else its `runtime_config.image`, else the image `hud build` recorded for its environment.
 * Keys from the vendors' usual variables: `E2B_API_KEY` (+ `E2B_API_URL`, `E2B_DOMAIN`, `E2B_SANDBOX_URL`);
 * `DAYTONA_API_KEY` (+ `DAYTONA_API_URL`, `DAYTONA_TARGET`); `MODAL_TOKEN_ID` and `MODAL_TOKEN_SECRET`
 * (+ `MODAL_ENVIRONMENT`; without them, the Modal SDK's profile in ~/.modal.toml).
 * @throws Error when the vendor's key is not set; MissingPackageError when its package is not installed.
 */
export async function vendorProvider(options: VendorChoiceOptions): Promise<VendorChoice> {
  const { runtime } = options;
  const colon = runtime.indexOf(':');
  const vendor = colon === -1 ? runtime : runtime.slice(0, colon);
  const image = colon === -1 ? undefined : runtime.slice(colon + 1);
  if (image === '') throw new Error(`--runtime ${vendor}:<image> needs an image name`);
  const settings = options.settings ?? loadSettings();
  const imageFor = (task: TaskRow) => recordedImage(task.env, options.source)?.tag;
  const common = {
    readyTimeoutMs: options.readyTimeoutMs,
    ...(options.job ? { job: options.job } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  };
  const command = `hud eval --runtime ${runtime}`;
  const key = (name: string, what: string) => {
    const value = setting(settings, name);
    if (!value) {
      throw new Error(
        `--runtime ${runtime} needs ${name} (${what}): export it or \`hud set ${name}=<key>\``,
      );
    }
    return value;
  };
  const label = (what: string) => `${vendor} (${image ?? what})`;
  if (vendor === 'modal') {
    const { ModalRuntime } = await loadModalRuntime(command);
    const provider = ModalRuntime({
      ...common,
      tokenId: setting(settings, 'MODAL_TOKEN_ID'),
      tokenSecret: setting(settings, 'MODAL_TOKEN_SECRET'),
      environment: setting(settings, 'MODAL_ENVIRONMENT'),
      image,
      imageFor,
    });
    return {
      provider,
      label: label('image per task'),
      close: () => provider.close(),
      substrate: 'sandbox',
    };
  }
  if (vendor === 'daytona') {
    const apiKey = key('DAYTONA_API_KEY', 'a Daytona API key');
    const daytona = await loadDaytonaRuntime(command);
    const connection = {
      apiKey,
      apiUrl: setting(settings, 'DAYTONA_API_URL'),
      target: setting(settings, 'DAYTONA_TARGET'),
    };
    const provider = daytona.DaytonaRuntime({ ...common, ...connection, image, imageFor });
    return {
      provider,
      label: label('image per task'),
      close: () => provider.close(),
      reapOrphans: () => daytona.reapOrphans(connection),
      substrate: 'sandbox',
    };
  }
  const apiKey = key('E2B_API_KEY', 'an E2B API key');
  const e2b = await loadE2BRuntime(command);
  const connection = {
    apiKey,
    apiUrl: setting(settings, 'E2B_API_URL'),
    domain: setting(settings, 'E2B_DOMAIN'),
  };
  const provider = e2b.E2BRuntime({
    ...common,
    ...connection,
    sandboxUrl: setting(settings, 'E2B_SANDBOX_URL'),
    template: image,
    templateFor: imageFor,
  });
  return {
    provider,
    label: label('template per task'),
    close: () => provider.close(),
    reapOrphans: () => e2b.reapOrphans(connection),
    substrate: 'sandbox',
  };
}
