import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A PEM key and self-signed certificate. */
export interface Certificate {
  readonly key: string;
  readonly cert: string;
}

let cached: Certificate | undefined;

/**
 * A self-signed certificate for `127.0.0.1` (P-256, one day), made once per process with the host's
 * `openssl` (the official client refuses plain HTTP unless TLS checks are off; the fake serves HTTPS with
 * this certificate as the kubeconfig's `certificate-authority-data`, as a real cluster does).
 * @throws Error when `openssl` is missing or fails.
 * @internal
 */
export function selfSignedCertificate(): Certificate {
  if (cached) return cached;
  const dir = mkdtempSync(path.join(tmpdir(), 'hud-fake-kube-tls-'));
  try {
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        key,
        '-out',
        cert,
      ],
      { stdio: 'pipe' },
    );
    cached = { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
    return cached;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
