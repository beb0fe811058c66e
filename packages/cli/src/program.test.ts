import { describe, expect, it } from 'vitest';
import { buildProgram } from './program.js';

describe('hud program', () => {
  it('registers the commands of the foundation', () => {
    const names = buildProgram().commands.map((command) => command.name());
    expect(names).toEqual(expect.arrayContaining(['version', 'serve', 'dev', 'task', 'scenario']));
  });

  it('gives task and scenario the same subcommands (scenario setup = task start)', () => {
    const program = buildProgram();
    const sub = (name: string) =>
      program.commands
        .find((command) => command.name() === name)
        ?.commands.map((command) => command.name());
    expect(sub('task')).toEqual(['list', 'start', 'grade', 'run']);
    expect(sub('scenario')).toEqual(['list', 'setup', 'grade', 'run']);
  });
});
