import { loadSettings } from '../settings.js';
import { renderTable } from '../table.js';
import { PlatformError, platformClient } from './client.js';
import { ApiKey, listOf } from './shapes.js';

const ROLES = ['member', 'admin'];

/** The LLM limit flags of `hud keys create` and `hud keys update`, as typed. */
export interface KeyLimitFlags {
  rpm?: string;
  tpm?: string;
  budgetUsd?: string;
  budgetTokens?: string;
}

/** The gateway's largest per-minute limit (32-bit columns). */
const MAX_PER_MINUTE = 2_147_483_647;

/** Each flag: its name, as typed, its body field, what it takes, and the gateway's bounds. */
const LIMIT_FLAGS = [
  [
    'rpm',
    '--rpm',
    'requests_per_minute',
    'a whole number of requests from 1 to 2147483647',
    1,
    MAX_PER_MINUTE,
  ],
  [
    'tpm',
    '--tpm',
    'tokens_per_minute',
    'a whole number of tokens from 1 to 2147483647',
    1,
    MAX_PER_MINUTE,
  ],
  [
    'budgetUsd',
    '--budget-usd',
    'budget_usd',
    'US dollars from 0 to 1e12, e.g. 25 or 2.50',
    0,
    1e12,
  ],
  [
    'budgetTokens',
    '--budget-tokens',
    'budget_tokens',
    'a whole number of tokens ≥ 0',
    0,
    Number.MAX_SAFE_INTEGER,
  ],
] as const;

/**
 * The `/v2/keys` body fields of the limit flags that were given; `none` (with `allowNone`) clears one.
 * @throws Error naming the flag and what it takes.
 */
export function keyLimitsOf(
  flags: KeyLimitFlags,
  allowNone: boolean,
): Record<string, number | null> {
  const body: Record<string, number | null> = {};
  for (const [name, flag, field, expected, min, max] of LIMIT_FLAGS) {
    const raw = flags[name]?.trim();
    if (raw === undefined) continue;
    if (allowNone && raw === 'none') {
      body[field] = null;
      continue;
    }
    const value = Number(raw);
    const whole = name !== 'budgetUsd';
    if (
      raw === '' ||
      !Number.isFinite(value) ||
      value < min ||
      value > max ||
      (whole && !Number.isInteger(value))
    ) {
      throw new Error(
        `${flag} must be ${expected}${allowNone ? ", or 'none' to remove it" : ''}, got '${raw}'`,
      );
    }
    body[field] = value;
  }
  return body;
}

/**
 * A catch handler for a call on one key: a 404 becomes PlatformError `not_found` saying where the ids are
 * listed; anything else is rethrown as is.
 */
const unknownKey = (error: unknown): never => {
  if (PlatformError.isInstance(error) && error.code === 'not_found') {
    throw new PlatformError(
      'not_found',
      `${error.message}: give the id column of hud keys list (not the name or prefix)`,
      { cause: error, ...(error.status === undefined ? {} : { status: error.status }) },
    );
  }
  throw error;
};

/** `rpm 60, budget $25` for the limits a key record carries ('' when none). */
function describeLimits(key: Record<string, unknown>): string {
  const parts: string[] = [];
  const number = (field: string) =>
    typeof key[field] === 'number' ? (key[field] as number) : null;
  if (number('requests_per_minute') !== null)
    parts.push(`${number('requests_per_minute')} requests/min`);
  if (number('tokens_per_minute') !== null) parts.push(`${number('tokens_per_minute')} tokens/min`);
  if (number('budget_usd') !== null) parts.push(`budget $${number('budget_usd')}`);
  if (number('budget_tokens') !== null) parts.push(`budget ${number('budget_tokens')} tokens`);
  return parts.join(', ');
}

/**
 * `hud keys list`: the keys of `GET /v2/keys` as a table (id, name, team, role, prefix, created, revoked,
 * LLM limits and budgets).
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
    describeLimits(key),
  ]);
  const head = ['id', 'name', 'team', 'role', 'prefix', 'created', 'state', 'LLM limits'];
  console.log(renderTable(head, rows, process.stdout.isTTY === true));
}

/**
 * `hud keys create <name>`: `POST /v2/keys {name, role, team?, requests_per_minute?, tokens_per_minute?,
 * budget_usd?, budget_tokens?}` (from `--rpm`, `--tpm`, `--budget-usd`, `--budget-tokens`); prints the new
 * secret once.
 * @throws Error for a role other than member or admin or a malformed limit; PlatformError (403 for a
 *   member key, …).
 */
export async function keysCreate(
  name: string,
  flags: { role: string; team?: string; json?: boolean } & KeyLimitFlags,
): Promise<void> {
  if (!ROLES.includes(flags.role)) {
    throw new Error(`--role must be member or admin, got '${flags.role}'`);
  }
  const limits = keyLimitsOf(flags, false);
  const client = platformClient(loadSettings());
  const created = await client.post(
    '/v2/keys',
    { name, role: flags.role, ...(flags.team ? { team: flags.team } : {}), ...limits },
    { schema: ApiKey.extend({ key: ApiKey.shape.name }) },
  );
  if (flags.json) return console.log(JSON.stringify(created));
  const limited = describeLimits(created);
  console.log(
    `created ${created.role} key ${created.name} (id ${created.id}${created.team_name ? `, team ${created.team_name}` : ''}${limited ? `; ${limited}` : ''})`,
  );
  console.log(created.key);
  console.error('this is the only time the key is shown: store it now (hud set HUD_API_KEY=<key>)');
}

/**
 * `hud keys update <id>`: `PATCH /v2/keys/{id}` with the limits given (`--rpm`, `--tpm`, `--budget-usd`,
 * `--budget-tokens`; `none` removes one).
 * @throws Error when no limit flag is given or one is malformed; PlatformError (`not_found`, 403, …).
 */
export async function keysUpdate(
  id: string,
  flags: { json?: boolean } & KeyLimitFlags,
): Promise<void> {
  const limits = keyLimitsOf(flags, true);
  if (Object.keys(limits).length === 0) {
    throw new Error('nothing to change: give --rpm, --tpm, --budget-usd or --budget-tokens');
  }
  const client = platformClient(loadSettings());
  const updated = await client
    .request('PATCH', `/v2/keys/${encodeURIComponent(id)}`, { body: limits, schema: ApiKey })
    .catch(unknownKey);
  if (flags.json) return console.log(JSON.stringify(updated));
  console.log(
    `updated key ${updated.name} (id ${updated.id}): ${describeLimits(updated) || 'no limits'}`,
  );
}

/**
 * `hud keys revoke <id>`: `DELETE /v2/keys/{id}`.
 * @throws PlatformError (`not_found` for an unknown id, 403 for a member key, …).
 */
export async function keysRevoke(id: string, flags: { json?: boolean }): Promise<void> {
  const client = platformClient(loadSettings());
  const revoked = await client
    .delete(`/v2/keys/${encodeURIComponent(id)}`, { schema: ApiKey })
    .catch(unknownKey);
  if (flags.json) return console.log(JSON.stringify(revoked));
  console.log(`revoked key ${revoked.name} (id ${revoked.id}) at ${revoked.revoked_at ?? 'now'}`);
}
