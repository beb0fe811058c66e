import type { Command } from 'commander';
import type { KeyLimitFlags } from '../platform/keys-action.js';

/**
 * `hud keys list|create|update|revoke`: the API keys of a self-hosted gateway (`/v2/keys`); `hud keys provider
 * set|list|remove`: the team's own provider keys (`/v2/providers`).
 */
export function registerKeys(program: Command): void {
  const keys = program
    .command('keys')
    .description(
      'manage the API keys of a self-hosted HUD gateway (HUD_API_URL); create and revoke need an admin key',
    );
  keys
    .command('list')
    .description("list the keys (an admin key sees every team's; secrets are never listed)")
    .option('--json', 'print JSON instead of a table')
    .action(async (flags: { json?: boolean }) =>
      (await import('../platform/keys-action.js')).keysList(flags),
    );
  keys
    .command('create')
    .description('create a key and print its secret (shown this once)')
    .argument('<name>', 'what the key is for')
    .option('--role <role>', 'member or admin', 'member')
    .option('--team <team>', "the team it belongs to (created when new; default: the caller's)")
    .option('--rpm <n>', 'LLM requests per minute it may make (429 beyond)')
    .option('--tpm <n>', 'LLM tokens (in + out) per minute it may use (429 beyond)')
    .option('--budget-usd <usd>', 'US dollars of LLM calls it may spend in all (402 beyond)')
    .option('--budget-tokens <n>', 'LLM tokens (in + out) it may use in all (402 beyond)')
    .option('--json', 'print JSON (the secret included) instead of text')
    .addHelpText(
      'after',
      `
Examples:
  hud keys create ci --rpm 60 --budget-usd 25     a member key: 60 LLM requests/min, $25 in all
  hud keys create workers --role admin            a key for hud worker (an admin key of the
                                                  gateway's first team serves every team)`,
    )
    .action(
      async (
        name: string,
        flags: { role: string; team?: string; json?: boolean } & KeyLimitFlags,
      ) => (await import('../platform/keys-action.js')).keysCreate(name, flags),
    );
  keys
    .command('update')
    .description("change a key's LLM rate limits and budgets (admin; 'none' removes one)")
    .argument('<id>', 'the key id (hud keys list shows it)')
    .option('--rpm <n>', "LLM requests per minute, or 'none'")
    .option('--tpm <n>', "LLM tokens (in + out) per minute, or 'none'")
    .option('--budget-usd <usd>', "US dollars of LLM calls in all, or 'none'")
    .option('--budget-tokens <n>', "LLM tokens (in + out) in all, or 'none'")
    .option('--json', 'print JSON instead of text')
    .addHelpText(
      'after',
      `
Examples:
  hud keys update <id> --tpm 100000 --budget-tokens 5000000
  hud keys update <id> --budget-usd none          remove its dollar budget`,
    )
    .action(async (id: string, flags: { json?: boolean } & KeyLimitFlags) =>
      (await import('../platform/keys-action.js')).keysUpdate(id, flags),
    );
  keys
    .command('revoke')
    .description('revoke a key (its requests are refused from now on)')
    .argument('<id>', 'the key id (hud keys list shows it)')
    .option('--json', 'print JSON instead of text')
    .action(async (id: string, flags: { json?: boolean }) =>
      (await import('../platform/keys-action.js')).keysRevoke(id, flags),
    );
  const provider = keys
    .command('provider')
    .description(
      "the team's own model provider keys (BYOK), used by the gateway's LLM routes before its pooled keys",
    );
  provider
    .command('set')
    .description("set the team's key for a provider (stored encrypted; never printed)")
    .argument('<provider>', 'anthropic, openai, gemini or another catalog provider')
    .requiredOption('--api-key <key>', 'the provider API key')
    .option('--base-url <url>', "the provider's API base URL (default: the provider's own)")
    .option('--json', 'print JSON instead of text')
    .action(async (name: string, flags: { apiKey: string; baseUrl?: string; json?: boolean }) =>
      (await import('../platform/provider-keys-action.js')).providerKeySet(name, flags),
    );
  provider
    .command('list')
    .description("list the team's provider keys (last 4 characters only)")
    .option('--json', 'print JSON instead of a table')
    .action(async (flags: { json?: boolean }) =>
      (await import('../platform/provider-keys-action.js')).providerKeyList(flags),
    );
  provider
    .command('remove')
    .description("remove the team's key for a provider (the gateway's pooled key applies again)")
    .argument('<provider>', 'the provider name')
    .option('--json', 'print JSON instead of text')
    .action(async (name: string, flags: { json?: boolean }) =>
      (await import('../platform/provider-keys-action.js')).providerKeyRemove(name, flags),
    );
}
