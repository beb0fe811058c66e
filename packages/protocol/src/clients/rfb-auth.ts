import { createCipheriv } from 'node:crypto';

/**
 * The 16-byte response to a VNC Authentication challenge (RFC 6143 §7.2.2): the challenge encrypted with
 * single DES in ECB mode, keyed by the first 8 bytes of the password (NUL-padded) with the bits of each
 * byte reversed (the VNC quirk every server implements).
 *
 * OpenSSL 3 moved `des-ecb` to the legacy provider, which Node does not load; triple DES with the same key
 * three times (EDE: encrypt, decrypt, encrypt) is exactly single DES and stays in the default provider.
 */
export function vncAuthResponse(challenge: Buffer, password: string): Buffer {
  const key = Buffer.alloc(8);
  Buffer.from(password, 'latin1').copy(key, 0, 0, 8);
  for (let index = 0; index < 8; index++) key[index] = reverseBits(key[index] ?? 0);
  const cipher = createCipheriv('des-ede3-ecb', Buffer.concat([key, key, key]), null);
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(challenge), cipher.final()]);
}

function reverseBits(byte: number): number {
  let reversed = 0;
  for (let bit = 0; bit < 8; bit++) reversed |= ((byte >> bit) & 1) << (7 - bit);
  return reversed;
}
