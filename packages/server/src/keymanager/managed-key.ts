import { createPrivateKey, createPublicKey, generateKeyPair, sign, type KeyObject } from 'node:crypto';
import { inspect, promisify } from 'node:util';
import { KeyManagerError } from './errors.js';
import { KEY_TYPES, type DsaEncoding, type KeyType, type ManagedKey } from './types.js';

const generateKeyPairAsync = promisify(generateKeyPair);

const KEY_ID_PATTERN = /^[A-Za-z0-9._-]{1,128}$/;

/** Throws unless `id` is a usable key id (1-128 chars of [A-Za-z0-9._-]). */
export function assertKeyId(id: string): void {
  if (!KEY_ID_PATTERN.test(id)) {
    throw new KeyManagerError('ERR_KEYMANAGER_BAD_KEY_ID', `key id ${JSON.stringify(id.slice(0, 64))} must be 1-128 characters of [A-Za-z0-9._-]`);
  }
}

/** Throws unless `type` is a supported key type. */
export function assertKeyType(type: string): asserts type is KeyType {
  if (!(KEY_TYPES as readonly string[]).includes(type)) {
    throw new KeyManagerError('ERR_KEYMANAGER_UNSUPPORTED_KEY_TYPE', `key type ${JSON.stringify(type.slice(0, 64))} is not one of ${KEY_TYPES.join(', ')}`);
  }
}

/** The key type of a private or public KeyObject, or undefined when it is none we manage. */
export function keyTypeOf(key: KeyObject): KeyType | undefined {
  const details = key.asymmetricKeyDetails;
  if (key.asymmetricKeyType === 'ec') {
    if (details?.namedCurve === 'prime256v1') return 'ec-p256';
    if (details?.namedCurve === 'secp384r1') return 'ec-p384';
  } else if (key.asymmetricKeyType === 'rsa') {
    if (details?.modulusLength === 2048) return 'rsa-2048';
    if (details?.modulusLength === 4096) return 'rsa-4096';
  }
  return undefined;
}

class CachedKey implements ManagedKey {
  readonly id: string;
  readonly type: KeyType;
  readonly publicKey: KeyObject;
  readonly publicKeyDer: Uint8Array;
  readonly hash: 'sha256' | 'sha384';
  readonly #privateKey: KeyObject;

  constructor(id: string, type: KeyType, privateKey: KeyObject) {
    this.id = id;
    this.type = type;
    this.#privateKey = privateKey;
    this.publicKey = createPublicKey(privateKey);
    this.publicKeyDer = this.publicKey.export({ type: 'spki', format: 'der' });
    this.hash = type === 'ec-p384' ? 'sha384' : 'sha256';
  }

  get privateKey(): KeyObject {
    return this.#privateKey;
  }

  sign(data: Uint8Array, dsaEncoding: DsaEncoding = 'der'): Buffer {
    return sign(this.hash, data, { key: this.#privateKey, dsaEncoding });
  }

  /** Keeps key material out of JSON logs. */
  toJSON(): { id: string; type: KeyType } {
    return { id: this.id, type: this.type };
  }

  [inspect.custom](): string {
    return `ManagedKey { id: ${JSON.stringify(this.id)}, type: ${this.type} }`;
  }
}

/** Wraps an existing private key (checked against `type`). */
export function managedKeyFrom(id: string, type: KeyType, privateKey: KeyObject): ManagedKey {
  const actual = keyTypeOf(privateKey);
  if (privateKey.type !== 'private' || actual !== type) {
    throw new KeyManagerError('ERR_KEYMANAGER_UNSUPPORTED_KEY_TYPE', `key ${JSON.stringify(id)} is ${actual ?? 'of an unsupported type'}, expected ${type}`);
  }
  return new CachedKey(id, type, privateKey);
}

/** Parses a PKCS#8 DER private key into a ManagedKey of the given type. */
export function managedKeyFromPkcs8(id: string, type: KeyType, pkcs8: Uint8Array): ManagedKey {
  return managedKeyFrom(id, type, createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' }));
}

/** Generates a fresh private key of `type` (off the main thread for RSA). */
export async function generatePrivateKey(type: KeyType): Promise<KeyObject> {
  switch (type) {
    case 'ec-p256':
      return (await generateKeyPairAsync('ec', { namedCurve: 'P-256' })).privateKey;
    case 'ec-p384':
      return (await generateKeyPairAsync('ec', { namedCurve: 'P-384' })).privateKey;
    case 'rsa-2048':
      return (await generateKeyPairAsync('rsa', { modulusLength: 2048 })).privateKey;
    case 'rsa-4096':
      return (await generateKeyPairAsync('rsa', { modulusLength: 4096 })).privateKey;
  }
}

/** Exports a managed key's private key as PKCS#8 DER (for the disk key manager only). */
export function exportPkcs8(key: ManagedKey): Buffer {
  return key.privateKey.export({ type: 'pkcs8', format: 'der' });
}
