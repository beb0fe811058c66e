import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ToolOutput } from '@hud/agents';
import { Workspace } from '@hud/environment';
import { connectSsh, type SshClient } from '@hud/protocol';
import { afterAll, beforeAll } from 'vitest';

/** A workspace of {@link directWorkspace}: read its parts inside tests (they exist after `beforeAll`). */
export interface DirectWorkspace {
  readonly workspace: Workspace;
  /** An SSH client connected straight to the workspace's shell capability. */
  readonly shell: SshClient;
  /** The empty HOME of its unisolated sessions (the host's dotfiles stay out of tests). */
  readonly home: string;
}

/**
 * A real workspace (SSH server, bash, files; `isolation: 'none'`, an empty HOME) and an SSH client on it,
 * for the test file that calls this at its top level: started in `beforeAll`, stopped in `afterAll`.
 */
export function directWorkspace(label: string): DirectWorkspace {
  let started: { workspace: Workspace; shell: SshClient; home: string } | undefined;
  let home: string | undefined;
  beforeAll(async () => {
    home = await mkdtemp(path.join(tmpdir(), `${label}-home-`));
    const workspace = new Workspace(undefined, { isolation: 'none', env: { HOME: home } });
    await workspace.start();
    started = { workspace, shell: await connectSsh(workspace.capability), home };
  });
  afterAll(async () => {
    await started?.shell.close();
    await started?.workspace.stop();
    if (home) await rm(home, { recursive: true, force: true });
  });
  const current = () => {
    if (!started) throw new Error('the workspace starts in beforeAll: read it inside a test');
    return started;
  };
  return {
    get workspace() {
      return current().workspace;
    },
    get shell() {
      return current().shell;
    },
    get home() {
      return current().home;
    },
  };
}

/** The text parts of a tool's output, joined. */
export function outputText(output: ToolOutput): string {
  return output.content.map((part) => (part.type === 'text' ? part.text : '')).join('');
}
