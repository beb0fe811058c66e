import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { ProviderKeyVault } from '../../llm/provider-keys.js';
import { SecretBox } from '../../llm/secret-box.js';
import { describeEachDialect } from '../../testing/databases.js';

describeEachDialect('provider keys on %s', (suite) => {
  const { skip } = suite;
  const KEY = 'sk-ant-plaintext-key-0123456789';

  it.skipIf(skip)('stores a team key sealed, replaces, lists, deletes per team', async () => {
    const vault = new ProviderKeyVault(suite.store.providerKeys, SecretBox.ephemeral());
    const [team, other] = [randomUUID(), randomUUID()];
    await vault.set(team, 'anthropic', { apiKey: KEY, baseUrl: 'https://example.com' });
    const row = await suite.store.providerKeys.getProviderKey(team, 'anthropic');
    expect(row?.encrypted_key).toBeDefined();
    expect(row?.encrypted_key).not.toContain(KEY);
    expect(row?.fingerprint).toBe('6789');
    expect(await vault.access(team, 'anthropic')).toEqual({
      apiKey: KEY,
      baseUrl: 'https://example.com',
    });
    expect(await vault.access(other, 'anthropic')).toBeUndefined();

    await vault.set(team, 'anthropic', { apiKey: `${KEY}-2` });
    expect(await vault.access(team, 'anthropic')).toEqual({ apiKey: `${KEY}-2` });
    await vault.set(team, 'openai', { apiKey: 'sk-openai-0000wxyz' });
    expect((await vault.list(team)).map((item) => [item.provider, item.key_last4])).toEqual([
      ['anthropic', '89-2'],
      ['openai', 'wxyz'],
    ]);
    expect(await vault.list(other)).toEqual([]);

    expect(await vault.remove(team, 'anthropic')).toBe(true);
    expect(await vault.remove(team, 'anthropic')).toBe(false);
    expect(await vault.access(team, 'anthropic')).toBeUndefined();
  });
});
