/**
 * Private keys of X509-SVIDs: import from PKCS#8, SEC1 (EC) or PKCS#1 (RSA), in PEM or DER,
 * and check a key against a certificate's public key. Key material never enters messages.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { SpiffeError } from '../errors.js';
import type { PemBlock } from '../pem/pem.js';

/** Key types an X509-SVID may use (go-spiffe: RSA, ECDSA, Ed25519). */
const SUPPORTED_KEY_TYPES: ReadonlySet<string> = new Set(['ec', 'rsa', 'ed25519']);

type DerKeyFormat = 'pkcs8' | 'sec1' | 'pkcs1';

/** PEM block types we read keys from, and their DER formats. */
const PEM_KEY_FORMATS: Readonly<Record<string, DerKeyFormat>> = {
  'PRIVATE KEY': 'pkcs8',
  'EC PRIVATE KEY': 'sec1',
  'RSA PRIVATE KEY': 'pkcs1',
};

/**
 * Imports the first private key block (PKCS#8, SEC1 or PKCS#1) among `blocks`.
 * @throws SpiffeError ERR_X509_BAD_KEY when there is none, it is encrypted or it is malformed.
 */
export function importPemPrivateKey(blocks: readonly PemBlock[]): KeyObject {
  for (const block of blocks) {
    if (block.type === 'ENCRYPTED PRIVATE KEY' || (block.hasHeaders && block.type.endsWith('PRIVATE KEY'))) {
      fail(`private key PEM block "${block.type}" is encrypted; only unencrypted keys are supported`);
    }
    const format = PEM_KEY_FORMATS[block.type];
    if (format !== undefined) return importDerPrivateKey(block.bytes, [format]);
  }
  return fail('no private key found (expected a "PRIVATE KEY", "EC PRIVATE KEY" or "RSA PRIVATE KEY" PEM block)');
}

/**
 * Imports a DER private key, trying PKCS#8 (the Workload API form), then SEC1 and PKCS#1.
 * @throws SpiffeError ERR_X509_BAD_KEY when no format parses or the key type is unsupported.
 */
export function importDerPrivateKey(der: Uint8Array, formats: readonly DerKeyFormat[] = ['pkcs8', 'sec1', 'pkcs1']): KeyObject {
  if (der.length === 0) fail('private key is empty');
  let firstError: unknown;
  for (const type of formats) {
    try {
      return checkKeyType(createPrivateKey({ key: Buffer.from(der), format: 'der', type }));
    } catch (err) {
      if (err instanceof SpiffeError) throw err;
      firstError ??= err;
    }
  }
  return fail(`private key is not a valid ${formats.join(', ').toUpperCase()} DER key`, firstError);
}

/** Refuses key types an SVID cannot carry; returns the key. */
export function checkKeyType(key: KeyObject): KeyObject {
  if (key.type !== 'private') fail(`expected a private key but got a ${key.type} key`);
  const keyType = key.asymmetricKeyType ?? 'unknown';
  if (!SUPPORTED_KEY_TYPES.has(keyType)) fail(`unsupported private key type "${keyType}" (RSA, EC or Ed25519 only)`);
  return key;
}

/**
 * True when `privateKey` belongs to the public key whose SubjectPublicKeyInfo DER is given.
 * Compares SPKI DER first (cheap); falls back to a key comparison so an equal key encoded
 * differently (a compressed EC point) still matches.
 */
export function privateKeyMatches(privateKey: KeyObject, subjectPublicKeyInfo: Buffer): boolean {
  const publicKey = createPublicKey(privateKey);
  if (publicKey.export({ type: 'spki', format: 'der' }).equals(subjectPublicKeyInfo)) return true;
  try {
    return createPublicKey({ key: subjectPublicKeyInfo, format: 'der', type: 'spki' }).equals(publicKey);
  } catch {
    return false;
  }
}

function fail(message: string, cause?: unknown): never {
  throw new SpiffeError('ERR_X509_BAD_KEY', message, cause === undefined ? undefined : { cause });
}
