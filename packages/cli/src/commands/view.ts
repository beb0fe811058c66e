import type { Command } from 'commander';
import { DEFAULT_STORE } from '../defaults.js';

/** The port `hud view` listens on unless `--port` says otherwise. */
export const DEFAULT_VIEW_PORT = 8488;

/** `hud view [store-dir]`: the trace viewer in the browser, over a local job store, on 127.0.0.1. */
export function registerView(program: Command): void {
  program
    .command('view')
    .description(
      'open the trace viewer in a browser over a local job store: jobs, the task × attempt matrix of a job, each trace with its steps and grade (127.0.0.1 only, no key)',
    )
    .argument('[store-dir]', 'the job store directory', DEFAULT_STORE)
    .option(
      '-p, --port <port>',
      'the port to listen on (0 = any free port)',
      String(DEFAULT_VIEW_PORT),
    )
    .action(async (store: string, flags: { port: string }) =>
      (await import('./view-action.js')).viewCommand(store, flags),
    );
}
