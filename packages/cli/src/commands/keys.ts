import type { Command } from 'commander';

/** `hud keys list|create|revoke`: the API keys of a self-hosted gateway (`/v2/keys`). */
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
    .option('--json', 'print JSON (the secret included) instead of text')
    .action(async (name: string, flags: { role: string; team?: string; json?: boolean }) =>
      (await import('../platform/keys-action.js')).keysCreate(name, flags),
    );
  keys
    .command('revoke')
    .description('revoke a key (its requests are refused from now on)')
    .argument('<id>', 'the key id (hud keys list shows it)')
    .option('--json', 'print JSON instead of text')
    .action(async (id: string, flags: { json?: boolean }) =>
      (await import('../platform/keys-action.js')).keysRevoke(id, flags),
    );
}
