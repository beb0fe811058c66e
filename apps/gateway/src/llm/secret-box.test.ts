import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SECRET_FILE, SecretBox } from './secret-box.js';

describe('SecretBox', () => {
  it('seals with AES-256-GCM and opens only with the same secret', () => {
    const box = SecretBox.fromPassphrase('a gateway secret');
    const sealed = box.seal('sk-provider-key');
    expect(sealed).not.toContain('sk-provider-key');
    expect(sealed).not.toBe(box.seal('sk-provider-key'));
    expect(SecretBox.fromPassphrase('a gateway secret').open(sealed)).toBe('sk-provider-key');
    expect(() => SecretBox.fromPassphrase('another secret').open(sealed)).toThrow(/secret changed/);
    const [version, iv, tag, data] = sealed.split('.');
    const flipped = `${version}.${iv}.${tag}.${(data ?? '').startsWith('A') ? 'B' : 'A'}${(data ?? '').slice(1)}`;
    expect(() => box.open(flipped)).toThrow(/cannot be decrypted/);
  });

  it('generates <dir>/secret.key once, mode 0600, and reuses it', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'hud-secret-'));
    try {
      const sealed = SecretBox.fromDataDir(dir).seal('sk-x');
      const file = await stat(path.join(dir, SECRET_FILE));
      expect(file.mode & 0o777).toBe(0o600);
      expect(file.size).toBe(32);
      expect(SecretBox.fromDataDir(dir).open(sealed)).toBe('sk-x');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
