/**
 * x509pop proof of possession (agent side), in SPIRE's wire format:
 * - challenge: JSON `{"rsa_signature":{"nonce":b64}|null,"ecdsa_signature":{"nonce":b64}|null}`
 * - response: the same two keys, the one for the agent's key type filled, the other null:
 *   RSA `{"nonce":b64,"signature":b64}`, ECDSA `{"nonce":b64,"r":b64,"s":b64}` (r and s as
 *   minimal big-endian integers, like Go's big.Int.Bytes).
 * The signed value is SHA-256(challenge nonce || response nonce), used as the message digest:
 * ECDSA signs it as the hash, RSA-PSS (SHA-256) as mHash. node:crypto's `sign('sha256', data)`
 * computes exactly that digest of `data` and then signs the digest, so we pass the concatenated
 * nonces as data (never the digest itself, which would hash twice).
 */
import { constants, randomBytes as cryptoRandomBytes, sign, type KeyObject } from 'node:crypto';
import { AgentError } from '../../errors.js';

/** Nonce size of both sides; SPIRE refuses shorter challenge nonces. */
export const X509POP_NONCE_BYTES = 32;

export type X509PopKeyKind = 'rsa' | 'ecdsa';

/** Which response a private key gives; anything but RSA and EC keys is refused. */
export function x509PopKeyKind(privateKey: KeyObject): X509PopKeyKind {
  if (privateKey.asymmetricKeyType === 'rsa') return 'rsa';
  if (privateKey.asymmetricKeyType === 'ec') return 'ecdsa';
  throw new AgentError('ERR_AGENT_X509POP_CONFIG', `x509pop needs an RSA or ECDSA private key, not ${privateKey.asymmetricKeyType ?? 'an unknown key type'}`);
}

/**
 * The JSON response to an x509pop challenge, signed with `privateKey`.
 * @example const answer = computeX509PopResponse(key, challenge);
 * @throws AgentError ERR_AGENT_X509POP_CHALLENGE when the challenge is malformed or lacks the part for this key type.
 */
export function computeX509PopResponse(
  privateKey: KeyObject,
  challenge: Uint8Array,
  randomBytes: (size: number) => Uint8Array = cryptoRandomBytes,
): Uint8Array {
  const kind = x509PopKeyKind(privateKey);
  const challengeNonce = challengeNonceFor(kind, challenge);
  const nonce = Buffer.from(randomBytes(X509POP_NONCE_BYTES));
  if (nonce.length !== X509POP_NONCE_BYTES) throw new RangeError(`randomBytes gave ${nonce.length} bytes instead of ${X509POP_NONCE_BYTES}`);
  const signedData = Buffer.concat([challengeNonce, nonce]);
  const response =
    kind === 'rsa'
      ? { rsa_signature: { nonce: nonce.toString('base64'), signature: rsaPssSignature(privateKey, signedData).toString('base64') }, ecdsa_signature: null }
      : { rsa_signature: null, ecdsa_signature: { nonce: nonce.toString('base64'), ...ecdsaSignature(privateKey, signedData) } };
  return new Uint8Array(Buffer.from(JSON.stringify(response), 'utf8'));
}

/** RSA-PSS over SHA-256(data), MGF1-SHA-256, salt as long as possible (what Go's SignPSS does with nil options). */
function rsaPssSignature(privateKey: KeyObject, data: Buffer): Buffer {
  return sign('sha256', data, { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_MAX_SIGN });
}

/** ECDSA over SHA-256(data) whatever the curve (P-384 keys too, as SPIRE). */
function ecdsaSignature(privateKey: KeyObject, data: Buffer): { r: string; s: string } {
  const signature = sign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' });
  const half = signature.length / 2;
  return { r: minimalBigEndian(signature.subarray(0, half)).toString('base64'), s: minimalBigEndian(signature.subarray(half)).toString('base64') };
}

function minimalBigEndian(bytes: Buffer): Buffer {
  let start = 0;
  while (start < bytes.length && bytes[start] === 0) start++;
  return bytes.subarray(start);
}

/** The nonce of the challenge part for `kind`, checked as SPIRE's agent checks it. */
function challengeNonceFor(kind: X509PopKeyKind, challenge: Uint8Array): Buffer {
  const fail = (what: string): never => {
    throw new AgentError('ERR_AGENT_X509POP_CHALLENGE', `malformed x509pop challenge: ${what}`);
  };
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(challenge).toString('utf8'));
  } catch {
    fail('not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return fail('not a JSON object');
  const key = kind === 'rsa' ? 'rsa_signature' : 'ecdsa_signature';
  const part = (parsed as Record<string, unknown>)[key];
  if (part === undefined || part === null) {
    throw new AgentError('ERR_AGENT_X509POP_CHALLENGE', `expecting ${kind === 'rsa' ? 'RSA' : 'ECDSA'} challenge: "${key}" is missing or null`);
  }
  if (typeof part !== 'object' || Array.isArray(part)) return fail(`"${key}" is not an object`);
  const nonce = (part as Record<string, unknown>)['nonce'];
  if (typeof nonce !== 'string') return fail(`"${key}.nonce" is not a base64 string`);
  const bytes = decodeStdBase64(nonce) ?? fail(`"${key}.nonce" is not valid base64`);
  if (bytes.length < X509POP_NONCE_BYTES) fail(`challenge nonce too small (${bytes.length} bytes, need ${X509POP_NONCE_BYTES})`);
  return bytes;
}

/** Standard base64 with padding, as Go's encoding/json reads []byte; undefined when malformed. */
function decodeStdBase64(text: string): Buffer | undefined {
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : undefined;
}
