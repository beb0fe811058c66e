import type { Command } from 'commander';

/** `hud set KEY=VALUE…`: store settings (API keys, URLs) in `~/.hud/.env`. */
export function registerSet(program: Command): void {
  program
    .command('set')
    .description(
      'store settings such as API keys in ~/.hud/.env (the environment and ./.env take precedence)',
    )
    .argument('<assignments...>', 'KEY=VALUE pairs')
    .action(async (assignments: string[]) => {
      const { setUserSetting } = await import('../settings.js');
      for (const assignment of assignments) {
        const equals = assignment.indexOf('=');
        if (equals <= 0) throw new Error(`expected KEY=VALUE, got '${assignment}'`);
        const key = assignment.slice(0, equals);
        const file = setUserSetting(key, assignment.slice(equals + 1));
        console.log(`set ${key} in ${file}`);
      }
    });
}
