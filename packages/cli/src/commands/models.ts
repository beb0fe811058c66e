import type { Command } from 'commander';

/** `hud models list|fork|checkpoints|head`: the models the agents can use, and trainable forks. */
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
  models
    .command('fork')
    .description('fork a trainable model of your own from a catalog model (or another fork)')
    .argument('<source>', 'the model to fork: a name, model name or id (hud models list)')
    .requiredOption('-n, --name <slug>', 'the new model’s name')
    .option('--json', 'print the new model as JSON')
    .action(async (source: string, flags: { name: string; json?: boolean }) =>
      (await import('./models-gateway.js')).modelsFork(source, flags),
    );
  models
    .command('checkpoints')
    .description('show the checkpoint tree of a model (the active one is marked)')
    .argument('<model>', 'a model name or id')
    .option('--json', 'print the checkpoints as JSON')
    .action(async (model: string, flags: { json?: boolean }) =>
      (await import('./models-gateway.js')).modelsCheckpoints(model, flags),
    );
  models
    .command('head')
    .description("show a model's active checkpoint, or select another one with --set")
    .argument('<model>', 'a model name or id')
    .option('--set <checkpoint>', 'make this checkpoint (an id or name) the active one')
    .option('--json', 'print JSON')
    .action(async (model: string, flags: { set?: string; json?: boolean }) =>
      (await import('./models-gateway.js')).modelsHead(model, flags),
    );
}
