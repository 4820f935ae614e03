/**
 * x509pop proof of possession, server side, in SPIRE's wire format:
 *   challenge `{"rsa_signature":{"nonce":b64}|null,"ecdsa_signature":{"nonce":b64}|null}`
 *   response  `{"rsa_signature":{"nonce":b64,"signature":b64}|null,
 *              "ecdsa_signature":{"nonce":b64,"r":b64,"s":b64}|null}`
 * Both keys are always present (Go marshals nil pointers as null); nonces are 32 bytes. The
 * agent signs SHA-256(challenge nonce || response nonce) as the message digest: ECDSA (r, s as
 * big-endian integers) or RSA-PSS with SHA-256 and any salt length. node:crypto's
 * `verify('sha256', data)` hashes `data` with SHA-256 and checks the signature over that digest,
 * so we pass the concatenated nonces and get exactly that check.
 */
import { constants, randomBytes as cryptoRandomBytes, verify, type KeyObject } from 'node:crypto';
import { AttestorError } from '../../errors.js';

export const X509POP_NONCE_BYTES = 32;

export type PopKeyKind = 'rsa' | 'ecdsa';

export interface PopChallenge {
  kind: PopKeyKind;
  nonce: Buffer;
  /** The JSON sent to the agent. */
  json: Uint8Array;
}

const CURVE_BYTES: Record<string, number> = { prime256v1: 32, secp384r1: 48, secp521r1: 66 };

/** Which challenge a public key gets; other key types cannot attest (as SPIRE). */
export function popKeyKind(publicKey: KeyObject): PopKeyKind {
  if (publicKey.asymmetricKeyType === 'rsa') return 'rsa';
  if (publicKey.asymmetricKeyType === 'ec' && CURVE_BYTES[publicKey.asymmetricKeyDetails?.namedCurve ?? ''] !== undefined) return 'ecdsa';
  const type = publicKey.asymmetricKeyType === 'ec' ? `EC ${publicKey.asymmetricKeyDetails?.namedCurve ?? ''}` : publicKey.asymmetricKeyType ?? 'unknown';
  throw new AttestorError('ERR_X509POP_INVALID_PAYLOAD', `unsupported public key type ${type}: x509pop needs an RSA or ECDSA (P-256, P-384, P-521) key`);
}

/**
 * @example const challenge = createChallenge(leafPublicKey); await exchange(challenge.json);
 */
export function createChallenge(publicKey: KeyObject, randomBytes: (size: number) => Uint8Array = cryptoRandomBytes): PopChallenge {
  const kind = popKeyKind(publicKey);
  const nonce = Buffer.from(randomBytes(X509POP_NONCE_BYTES));
  if (nonce.length !== X509POP_NONCE_BYTES) throw new RangeError(`randomBytes returned ${nonce.length} bytes, expected ${X509POP_NONCE_BYTES}`);
  const part = { nonce: nonce.toString('base64') };
  const body = kind === 'rsa' ? { rsa_signature: part, ecdsa_signature: null } : { rsa_signature: null, ecdsa_signature: part };
  return { kind, nonce, json: Buffer.from(JSON.stringify(body), 'utf8') };
}

/**
 * Checks the agent's answer to `challenge` with the certificate's public key.
 * @throws AttestorError ERR_X509POP_INVALID_PAYLOAD (not the expected JSON) or
 *   ERR_X509POP_CHALLENGE_FAILED (wrong kind, bad nonce, signature does not verify).
 */
export function verifyChallengeResponse(publicKey: KeyObject, challenge: PopChallenge, response: Uint8Array): void {
  const answer = parseResponse(response, challenge.kind);
  const responseNonce = base64Field(answer, 'nonce');
  if (responseNonce.length !== X509POP_NONCE_BYTES) failChallenge(`invalid response nonce: ${responseNonce.length} bytes, expected ${X509POP_NONCE_BYTES}`);
  const signed = Buffer.concat([challenge.nonce, responseNonce]);
  if (challenge.kind === 'rsa') {
    const signature = base64Field(answer, 'signature');
    const ok = safeVerify(() => verify('sha256', signed, {
      key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO,
    }, signature));
    if (!ok) failChallenge('RSA signature verify failed');
    return;
  }
  const size = CURVE_BYTES[publicKey.asymmetricKeyDetails?.namedCurve ?? ''] ?? 0;
  const r = fixedWidth(base64Field(answer, 'r'), size);
  const s = fixedWidth(base64Field(answer, 's'), size);
  const ok = r !== undefined && s !== undefined &&
    safeVerify(() => verify('sha256', signed, { key: publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.concat([r, s])));
  if (!ok) failChallenge('ECDSA signature verify failed');
}

function parseResponse(response: Uint8Array, kind: PopKeyKind): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(response).toString('utf8'));
  } catch (err) {
    throw new AttestorError('ERR_X509POP_INVALID_PAYLOAD', `unable to unmarshal challenge response: ${(err as Error).message}`);
  }
  if (!isObject(parsed)) throw new AttestorError('ERR_X509POP_INVALID_PAYLOAD', 'unable to unmarshal challenge response: not a JSON object');
  const key = kind === 'rsa' ? 'rsa_signature' : 'ecdsa_signature';
  const part = parsed[key];
  if (part === undefined || part === null) failChallenge(`expecting ${kind === 'rsa' ? 'RSA' : 'ECDSA'} response`);
  if (!isObject(part)) throw new AttestorError('ERR_X509POP_INVALID_PAYLOAD', `unable to unmarshal challenge response: ${key} is not a JSON object`);
  return part;
}

/** A base64 member (Go's []byte JSON encoding: standard alphabet, padded; null = empty). */
function base64Field(part: Record<string, unknown>, name: string): Buffer {
  const value = part[name];
  if (value === undefined || value === null) return Buffer.alloc(0);
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 !== 0) {
    throw new AttestorError('ERR_X509POP_INVALID_PAYLOAD', `unable to unmarshal challenge response: ${name} is not base64`);
  }
  return Buffer.from(value, 'base64');
}

/** A big-endian unsigned integer left-padded to `size` bytes; undefined when it does not fit. */
function fixedWidth(bytes: Buffer, size: number): Buffer | undefined {
  let start = 0;
  while (start < bytes.length && bytes[start] === 0) start++;
  const value = bytes.subarray(start);
  if (size === 0 || value.length === 0 || value.length > size) return undefined;
  return Buffer.concat([Buffer.alloc(size - value.length), value]);
}

function safeVerify(check: () => boolean): boolean {
  try {
    return check();
  } catch {
    return false;
  }
}

function failChallenge(reason: string): never {
  throw new AttestorError('ERR_X509POP_CHALLENGE_FAILED', `challenge response verification failed: ${reason}`);
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
