import { newUuid, nowIso } from '../../ids.js';
import type { Sql } from '../sql.js';
import type { ApiKeyRecord } from './keys.js';

/** Where a device authorization stands (RFC 8628 §3.5). */
export type DeviceStatus = 'pending' | 'approved' | 'denied' | 'consumed';

/** One device authorization of `hud login` (RFC 8628); the device code itself is stored hashed. */
export interface DeviceCodeRecord {
  device_code_hash: string;
  /** What the person types on `/device`: 8 letters as `ABCD-EFGH`. */
  user_code: string;
  client_name: string | null;
  client_version: string | null;
  status: DeviceStatus;
  /** Seconds the client waits between polls (raised by 5 on each `slow_down`). */
  interval_s: number;
  created_at: string;
  expires_at: string;
  last_polled_at: string | null;
  /** The approving key's team (null until decided). */
  team_id: string | null;
  approved_by_key_id: string | null;
  decided_at: string | null;
}

/** Device authorizations for `hud login`. */
export interface DeviceStore {
  /**
   * Stores a new pending authorization.
   * @throws the database's unique violation when `userCode` is already pending (draw another and retry).
   */
  createDeviceCode(input: {
    deviceCodeHash: string;
    userCode: string;
    clientName: string | null;
    clientVersion: string | null;
    intervalS: number;
    expiresAt: string;
  }): Promise<DeviceCodeRecord>;
  /** The pending authorization with this user code, if any. */
  findPendingByUserCode(userCode: string): Promise<DeviceCodeRecord | undefined>;
  /** The authorization with this device code hash, if any. */
  getDevice(deviceCodeHash: string): Promise<DeviceCodeRecord | undefined>;
  /**
   * Approves or denies the pending, unexpired authorization `userCode` for the key `keyId` of `teamId`;
   * undefined when there is none (unknown, expired or already decided).
   */
  decideDevice(input: {
    userCode: string;
    approve: boolean;
    teamId: string;
    keyId: string;
    now: string;
  }): Promise<DeviceCodeRecord | undefined>;
  /** Records a poll at `now`, and a new interval when the client polled too fast. */
  recordPoll(deviceCodeHash: string, now: string, intervalS: number): Promise<void>;
  /**
   * Turns an approved authorization into a new member key of its team, once: the state change and the key
   * are one transaction. Undefined when it is not (or no longer) approved.
   */
  redeemDevice(input: {
    deviceCodeHash: string;
    keyHash: string;
    prefix: string;
    keyName: string;
  }): Promise<ApiKeyRecord | undefined>;
}

const COLUMNS = `device_code_hash, user_code, client_name, client_version, status, interval_s, created_at,
  expires_at, last_polled_at, team_id, approved_by_key_id, decided_at`;

/** The SQL implementation of {@link DeviceStore}. */
export class SqlDeviceStore implements DeviceStore {
  readonly #sql: Sql;
  constructor(sql: Sql) {
    this.#sql = sql;
  }

  async createDeviceCode(input: {
    deviceCodeHash: string;
    userCode: string;
    clientName: string | null;
    clientVersion: string | null;
    intervalS: number;
    expiresAt: string;
  }): Promise<DeviceCodeRecord> {
    await this.#sql.run(
      `INSERT INTO device_codes (device_code_hash, user_code, client_name, client_version, status, interval_s,
        created_at, expires_at) VALUES ($1, $2, $3, $4, 'pending', $5, $6, $7)`,
      [
        input.deviceCodeHash,
        input.userCode,
        input.clientName,
        input.clientVersion,
        input.intervalS,
        nowIso(),
        input.expiresAt,
      ],
    );
    const record = await this.getDevice(input.deviceCodeHash);
    if (!record) throw new Error('device code vanished after insert');
    return record;
  }

  findPendingByUserCode(userCode: string): Promise<DeviceCodeRecord | undefined> {
    return this.#sql.get(
      `SELECT ${COLUMNS} FROM device_codes WHERE user_code = $1 AND status = 'pending'`,
      [userCode],
    );
  }

  getDevice(deviceCodeHash: string): Promise<DeviceCodeRecord | undefined> {
    return this.#sql.get(`SELECT ${COLUMNS} FROM device_codes WHERE device_code_hash = $1`, [
      deviceCodeHash,
    ]);
  }

  async decideDevice(input: {
    userCode: string;
    approve: boolean;
    teamId: string;
    keyId: string;
    now: string;
  }): Promise<DeviceCodeRecord | undefined> {
    return this.#sql.tx(async (tx) => {
      const record = await tx.get<DeviceCodeRecord>(
        `SELECT ${COLUMNS} FROM device_codes WHERE user_code = $1 AND status = 'pending' AND expires_at > $2`,
        [input.userCode, input.now],
      );
      if (!record) return undefined;
      await tx.run(
        `UPDATE device_codes SET status = $2, team_id = $3, approved_by_key_id = $4, decided_at = $5
          WHERE device_code_hash = $1 AND status = 'pending'`,
        [
          record.device_code_hash,
          input.approve ? 'approved' : 'denied',
          input.teamId,
          input.keyId,
          input.now,
        ],
      );
      return tx.get<DeviceCodeRecord>(
        `SELECT ${COLUMNS} FROM device_codes WHERE device_code_hash = $1`,
        [record.device_code_hash],
      );
    });
  }

  async recordPoll(deviceCodeHash: string, now: string, intervalS: number): Promise<void> {
    await this.#sql.run(
      'UPDATE device_codes SET last_polled_at = $2, interval_s = $3 WHERE device_code_hash = $1',
      [deviceCodeHash, now, intervalS],
    );
  }

  async redeemDevice(input: {
    deviceCodeHash: string;
    keyHash: string;
    prefix: string;
    keyName: string;
  }): Promise<ApiKeyRecord | undefined> {
    return this.#sql.tx(async (tx) => {
      const record = await tx.get<DeviceCodeRecord>(
        `SELECT ${COLUMNS} FROM device_codes WHERE device_code_hash = $1`,
        [input.deviceCodeHash],
      );
      if (record?.status !== 'approved' || !record.team_id) return undefined;
      const { changes } = await tx.run(
        `UPDATE device_codes SET status = 'consumed' WHERE device_code_hash = $1 AND status = 'approved'`,
        [input.deviceCodeHash],
      );
      if (changes !== 1) return undefined;
      const id = newUuid();
      await tx.run(
        `INSERT INTO api_keys (id, team_id, name, role, key_hash, prefix, created_at)
          VALUES ($1, $2, $3, 'member', $4, $5, $6)`,
        [id, record.team_id, input.keyName, input.keyHash, input.prefix, nowIso()],
      );
      return tx.get<ApiKeyRecord>(
        `SELECT k.id, k.name, k.team_id, t.name AS team_name, k.role, k.prefix, k.created_at, k.revoked_at
          FROM api_keys k JOIN teams t ON t.id = k.team_id WHERE k.id = $1`,
        [id],
      );
    });
  }
}
