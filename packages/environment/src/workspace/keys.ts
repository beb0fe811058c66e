import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ssh2 from 'ssh2';

/** A serve's SSH keys: generated fresh, the private ones also written 0600 in a 0700 temp directory. */
export interface WorkspaceCredentials {
  /** The 0700 directory holding the key files (outside the workspace). */
  readonly dir: string;
  /** Host private key, OpenSSH PEM. */
  readonly hostKey: string;
  /** Host public key, `ssh-ed25519 AAAA…`. */
  readonly hostPublicKey: string;
  /** Client private key, OpenSSH PEM (published as `client_key`). */
  readonly clientKey: string;
  /** Client public key, `ssh-ed25519 AAAA…`: the only key the server accepts. */
  readonly clientPublicKey: string;
  /** Where the client private key is written (published as `client_key_path`). */
  readonly clientKeyPath: string;
}

/** `type base64` of an OpenSSH public key line, without its comment. */
function withoutComment(publicKey: string): string {
  return publicKey.trim().split(/\s+/).slice(0, 2).join(' ');
}

/** The length of an OpenSSH ed25519 public key blob: `string "ssh-ed25519"` + `string <32 bytes>`. */
const ED25519_BLOB_BYTES = 4 + 11 + 4 + 32;

/**
 * An ed25519 key pair in OpenSSH form. ssh2 1.17 drops a leading zero byte of the public key (1 key in
 * 256), which makes the key unusable (`Malformed OpenSSH public key`), so such pairs are drawn again.
 */
function ed25519Pair(comment: string): { private: string; public: string } {
  for (;;) {
    const pair = ssh2.utils.generateKeyPairSync('ed25519', { comment });
    const blob = Buffer.from(pair.public.trim().split(/\s+/)[1] ?? '', 'base64');
    if (
      blob.length === ED25519_BLOB_BYTES &&
      !(ssh2.utils.parseKey(pair.private) instanceof Error)
    ) {
      return pair;
    }
  }
}

/**
 * Generates fresh ed25519 host and client key pairs and writes them into a new `mkdtemp` directory
 * (hud-python `Workspace`: `host_ed25519`, `client_ed25519` and `.pub`, spec §3.2).
 */
export async function createCredentials(): Promise<WorkspaceCredentials> {
  const host = ed25519Pair('hud-workspace-host');
  const client = ed25519Pair('hud-workspace-client');
  const dir = await mkdtemp(path.join(tmpdir(), 'hud-ssh-'));
  try {
    const clientKeyPath = path.join(dir, 'client_ed25519');
    await writeFile(path.join(dir, 'host_ed25519'), host.private, { mode: 0o600 });
    await writeFile(clientKeyPath, client.private, { mode: 0o600 });
    await writeFile(`${clientKeyPath}.pub`, `${client.public}\n`, { mode: 0o644 });
    return {
      dir,
      hostKey: host.private,
      hostPublicKey: withoutComment(host.public),
      clientKey: client.private,
      clientPublicKey: withoutComment(client.public),
      clientKeyPath,
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
