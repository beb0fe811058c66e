import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../program.js';

/** The full `--help` text of `hud <path…>`, as printed (the text added after the options included). */
function helpOf(...path: string[]): string {
  let command: Command = buildProgram();
  for (const name of path) {
    const next = command.commands.find((sub) => sub.name() === name);
    if (!next) throw new Error(`no command ${path.join(' ')}`);
    command = next;
  }
  let text = '';
  command.configureOutput({ writeOut: (chunk) => (text += chunk), writeErr: () => {} });
  command.outputHelp();
  return text;
}

describe('--help of the hosted-rollout commands', () => {
  it.each([
    [['worker'], ['--runtime local', '--concurrency', 'HUD_API_KEY']],
    [['eval'], ['--remote', '--runtime hud']],
    [['jobs'], ['--follow']],
    [
      ['keys', 'create'],
      ['--rpm 60 --budget-usd 25', '--role admin'],
    ],
    [['keys', 'update'], ['--budget-usd none']],
  ])('hud %s --help ends with examples', (path, shown) => {
    const help = helpOf(...path);
    const examples = help.slice(help.indexOf('Examples:'));
    expect(help).toContain('Examples:');
    for (const text of shown) expect(examples).toContain(text);
  });

  it('hud worker --help says it also serves --runtime hud sessions and which key serves every team', () => {
    const help = helpOf('worker').replaceAll(/\s+/g, ' ');
    expect(help).toContain('hud eval … --runtime hud');
    expect(help).toContain("an admin key of the gateway's first team to serve every team");
  });
});
