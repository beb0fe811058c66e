import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { GatewayError } from '../errors.js';

/** The file a gateway without `HUD_GATEWAY_SECRET` keeps its generated secret in, inside its data dir. */
export const SECRET_FILE = 'secret.key';

const VERSION = 'v1';

/**
 * Seals and opens short secrets (provider keys) with AES-256-GCM (node:crypto): a fresh 12-byte IV per
 * seal, the 16-byte tag checked on open. The sealed text is `v1.<iv>.<tag>.<ciphertext>` (base64url).
 */
export class SecretBox {
  readonly #key: Buffer;

  /** @throws GatewayError `invalid_request` when `key` is not 32 bytes. */
  constructor(key: Buffer) {
    if (key.length !== 32) {
      throw new GatewayError('invalid_request', 'the gateway secret must be 32 bytes');
    }
    this.#key = Buffer.from(key);
  }

  /**
   * A box whose key is derived (HKDF-SHA-256) from a passphrase of any length, e.g. `HUD_GATEWAY_SECRET`.
   * @throws GatewayError `invalid_request` for an empty passphrase.
   */
  static fromPassphrase(passphrase: string): SecretBox {
    if (passphrase === '') throw new GatewayError('invalid_request', 'the gateway secret is empty');
    const key = hkdfSync('sha256', passphrase, 'hud-gateway', 'provider-keys v1', 32);
    return new SecretBox(Buffer.from(key));
  }

  /**
   * The box of `<dir>/secret.key` (32 random bytes), created with mode 0600 on first use.
   * @throws the file system's error; GatewayError `invalid_request` when the file is not 32 bytes.
   */
  static fromDataDir(dir: string): SecretBox {
    const file = path.join(dir, SECRET_FILE);
    try {
      return new SecretBox(readFileSync(file));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const key = randomBytes(32);
    try {
      writeFileSync(file, key, { mode: 0o600, flag: 'wx' });
    } catch (error) {
      // Another process created it first: use theirs.
      if ((error as NodeJS.ErrnoException).code === 'EEXIST')
        return new SecretBox(readFileSync(file));
      throw error;
    }
    chmodSync(file, 0o600);
    return new SecretBox(key);
  }

  /** A box with a random key for this process only (what is sealed cannot be opened after a restart). */
  static ephemeral(): SecretBox {
    return new SecretBox(randomBytes(32));
  }

  /** `plaintext` sealed. */
  seal(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const parts = [iv, cipher.getAuthTag(), data].map((part) => part.toString('base64url'));
    return [VERSION, ...parts].join('.');
  }

  /**
   * The plaintext of a sealed text.
   * @throws GatewayError `unavailable` when it was sealed under another secret or altered.
   */
  open(sealed: string): string {
    const [version, iv, tag, data] = sealed.split('.');
    try {
      if (version !== VERSION || !iv || !tag || data === undefined) throw new Error('bad format');
      const decipher = createDecipheriv('aes-256-gcm', this.#key, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([
        decipher.update(Buffer.from(data, 'base64url')),
        decipher.final(),
      ]).toString('utf8');
    } catch (error) {
      throw new GatewayError(
        'unavailable',
        'a stored provider key cannot be decrypted: the gateway secret changed (HUD_GATEWAY_SECRET or <data-dir>/secret.key); set the key again',
        { cause: error },
      );
    }
  }
}
