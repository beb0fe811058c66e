import type { Command } from 'commander';

/** `hud models list`: the models each harness knows (with prices), and the HUD gateway's catalog. */
export function registerModels(program: Command): void {
  const models = program.command('models').description('models the agents can use');
  models
    .command('list')
    .description(
      "list the models each agent harness knows with their prices (USD per million tokens), and the HUD gateway's catalog when HUD_API_KEY is set",
    )
    .option('--json', 'print JSON instead of tables')
    .action(async (flags: { json?: boolean }) =>
      (await import('./models-list.js')).modelsList(flags),
    );
}
