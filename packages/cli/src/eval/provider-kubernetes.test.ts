import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseProvider } from './provider-choice.js';

// The kubeconfig is read by the official client itself (KUBECONFIG): point it at a file naming a server no
// one listens on (nothing is contacted until a rollout asks for a pod).
const base = { source: 'tasks.ts', prewarm: 0 };

describe('chooseProvider --runtime kubernetes', () => {
  let dir: string;
  let previous: string | undefined;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'hud-k8s-choice-'));
    const file = path.join(dir, 'kubeconfig');
    writeFileSync(
      file,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'c', cluster: { server: 'https://k8s.example.com:6443' } }],
        users: [{ name: 'u', user: { token: 't' } }],
        contexts: [{ name: 'x', context: { cluster: 'c', user: 'u', namespace: 'team-a' } }],
        'current-context': 'x',
      }),
    );
    previous = process.env.KUBECONFIG;
    process.env.KUBECONFIG = file;
  });
  afterAll(() => {
    if (previous === undefined) delete process.env.KUBECONFIG;
    else process.env.KUBECONFIG = previous;
    rmSync(dir, { recursive: true, force: true });
  });

  it("uses the kubeconfig context's namespace, or the one after kubernetes:", async () => {
    const chosen = await chooseProvider({ ...base, runtime: 'kubernetes' });
    expect(chosen.label).toBe('kubernetes (namespace team-a on https://k8s.example.com:6443)');
    expect(chosen.reapOrphans).toBeTypeOf('function');
    await chosen.close();
    const other = await chooseProvider({ ...base, runtime: 'kubernetes:evals' });
    expect(other.label).toBe('kubernetes (namespace evals on https://k8s.example.com:6443)');
    await other.close();
  });

  it('refuses kubernetes: without a namespace, and lists kubernetes for an unknown runtime', async () => {
    await expect(chooseProvider({ ...base, runtime: 'kubernetes:' })).rejects.toThrow(
      '--runtime kubernetes:<namespace> needs a namespace',
    );
    await expect(chooseProvider({ ...base, runtime: 'k8s' })).rejects.toThrow(
      /kubernetes\[:namespace\] \(@hud\/runtimes-kubernetes\), e2b\[:template\] \(@hud\/runtimes-e2b\)/,
    );
  });
});
