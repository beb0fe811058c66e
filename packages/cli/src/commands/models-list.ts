import { knownModels } from '@hud/agents';
import { type PlatformClient, PlatformError, platformClient } from '../platform/client.js';
import { listOf, PlatformModel } from '../platform/shapes.js';
import { loadSettings } from '../settings.js';
import { renderTable } from '../table.js';

const dollars = (value: number | undefined) => (value === undefined ? '—' : `$${value}`);

/** A catalog entry as `hud models list --json` prints it (`provider` flattened to its name). */
export interface CatalogEntry {
  id: string;
  name: string;
  model_name: string | null;
  sdk_agent_type: string | null;
  is_trainable: boolean;
  provider: string | null;
}

/** The platform's catalog (`GET /v2/models`, spec §9.8) for `client`. */
export async function platformCatalog(client: PlatformClient): Promise<CatalogEntry[]> {
  const models = await client.get('/v2/models', { schema: listOf(PlatformModel) });
  return models.map((model) => ({
    id: model.id,
    name: model.name,
    model_name: model.model_name ?? null,
    sdk_agent_type: model.sdk_agent_type ?? null,
    is_trainable: model.is_trainable === true,
    provider: model.provider?.name ?? null,
  }));
}

/**
 * The action of `hud models list`: the models each harness knows with their prices, and the platform's
 * catalog when `HUD_API_KEY` is set. A catalog that cannot be read is a note on stderr; a rejected key is
 * an error (exit 1) after the harness table.
 * @throws PlatformError `unauthorized` when the platform rejects the key.
 */
export async function modelsList(flags: { json?: boolean }): Promise<void> {
  const known = knownModels();
  const settings = loadSettings();
  let gateway: CatalogEntry[] | undefined;
  let gatewayError: unknown;
  if (settings.HUD_API_KEY?.trim()) {
    try {
      gateway = await platformCatalog(platformClient(settings));
    } catch (error) {
      gatewayError = error;
    }
  }
  if (flags.json) {
    console.log(JSON.stringify({ models: known, gateway: gateway ?? null }));
  } else {
    const color = process.stdout.isTTY === true;
    const prices = known.map((entry) => [
      entry.harness,
      entry.model,
      dollars(entry.price?.input),
      dollars(entry.price?.cachedInput),
      dollars(entry.price?.output),
      entry.isDefault ? 'default' : '',
    ]);
    console.log(
      renderTable(['agent', 'model', 'input', 'cached input', 'output', ''], prices, color),
    );
    console.log('prices in USD per million tokens; — means unknown (cost_usd is then null)');
    if (gateway) {
      const head = ['name', 'model_name', 'id', 'provider', 'agent', 'trainable'];
      const catalog = gateway.map((entry) => [
        entry.name,
        entry.model_name ?? '',
        entry.id,
        entry.provider ?? '',
        entry.sdk_agent_type ?? '',
        entry.is_trainable ? 'yes' : '',
      ]);
      console.log(
        `\nHUD gateway (${gateway.length} model${gateway.length === 1 ? '' : 's'}):\n${renderTable(head, catalog, color)}`,
      );
    }
  }
  if (gatewayError === undefined) return;
  if (PlatformError.isInstance(gatewayError) && gatewayError.code === 'unauthorized') {
    throw gatewayError;
  }
  console.error(
    `note: could not read the gateway catalog: ${(gatewayError as Error).message ?? String(gatewayError)}`,
  );
}
