import { type GatewayModel, gatewayModels, knownModels } from '@hud/agents';
import { loadSettings } from '../settings.js';
import { renderTable } from '../table.js';

const dollars = (value: number | undefined) => (value === undefined ? '—' : `$${value}`);

/**
 * The action of `hud models list`: the models each harness knows with their prices, and the HUD gateway's
 * catalog when it can be read (else a note on stderr).
 */
export async function modelsList(flags: { json?: boolean }): Promise<void> {
  const known = knownModels();
  let gateway: GatewayModel[] | undefined;
  let gatewayError: string | undefined;
  try {
    gateway = await gatewayModels({ settings: loadSettings() });
  } catch (error) {
    gatewayError = (error as Error).message;
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
  if (gatewayError) console.error(`note: could not read the gateway catalog: ${gatewayError}`);
}
