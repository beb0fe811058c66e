import { loadSettings } from '../settings.js';
import { renderTable } from '../table.js';
import { platformClient } from './client.js';
import { ApiKey, listOf } from './shapes.js';

const ROLES = ['member', 'admin'];

/**
 * `hud keys list`: the keys of `GET /v2/keys` as a table (id, name, team, role, prefix, created, revoked).
 * @throws PlatformError (401: the key is rejected; 403; unreachable).
 */
export async function keysList(flags: { json?: boolean }): Promise<void> {
  const client = platformClient(loadSettings());
  const keys = await client.get('/v2/keys', { schema: listOf(ApiKey) });
  if (flags.json) return console.log(JSON.stringify(keys));
  if (keys.length === 0) return console.log('no keys');
  const rows = keys.map((key) => [
    key.id,
    key.name,
    key.team_name ?? '',
    key.role,
    key.prefix ? `${key.prefix}…` : '',
    key.created_at ?? '',
    key.revoked_at ? `revoked ${key.revoked_at}` : '',
  ]);
  const head = ['id', 'name', 'team', 'role', 'prefix', 'created', 'state'];
  console.log(renderTable(head, rows, process.stdout.isTTY === true));
}

/**
 * `hud keys create <name>`: `POST /v2/keys {name, role, team?}`; prints the new secret once.
 * @throws Error for a role other than member or admin; PlatformError (403 for a member key, …).
 */
export async function keysCreate(
  name: string,
  flags: { role: string; team?: string; json?: boolean },
): Promise<void> {
  if (!ROLES.includes(flags.role)) {
    throw new Error(`--role must be member or admin, got '${flags.role}'`);
  }
  const client = platformClient(loadSettings());
  const created = await client.post(
    '/v2/keys',
    { name, role: flags.role, ...(flags.team ? { team: flags.team } : {}) },
    { schema: ApiKey.extend({ key: ApiKey.shape.name }) },
  );
  if (flags.json) return console.log(JSON.stringify(created));
  console.log(
    `created ${created.role} key ${created.name} (id ${created.id}${created.team_name ? `, team ${created.team_name}` : ''})`,
  );
  console.log(created.key);
  console.error('this is the only time the key is shown: store it now (hud set HUD_API_KEY=<key>)');
}

/**
 * `hud keys revoke <id>`: `DELETE /v2/keys/{id}`.
 * @throws PlatformError (`not_found` for an unknown id, 403 for a member key, …).
 */
export async function keysRevoke(id: string, flags: { json?: boolean }): Promise<void> {
  const client = platformClient(loadSettings());
  const revoked = await client.delete(`/v2/keys/${encodeURIComponent(id)}`, { schema: ApiKey });
  if (flags.json) return console.log(JSON.stringify(revoked));
  console.log(`revoked key ${revoked.name} (id ${revoked.id}) at ${revoked.revoked_at ?? 'now'}`);
}
