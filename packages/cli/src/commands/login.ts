import type { Command } from 'commander';

/** `hud login`: sign in with the device flow and save the new API key in `~/.hud/.env`. */
export function registerLogin(program: Command): void {
  program
    .command('login')
    .description(
      'sign in to the HUD platform (HUD_API_URL): approve a code in the browser, and the new API key is saved in ~/.hud/.env',
    )
    .option('-q, --quiet', 'print only the code and the link to approve it at')
    .action(async (flags: { quiet?: boolean }) =>
      (await import('../platform/login-action.js')).loginAction(flags),
    );
}
