/**
 * The last line of defence against secrets in logs: values under keys that name secrets
 * (`token`, `join_token`, `private_key`, `key_pem`, `password`, `secret`, ...) and values that
 * look like private keys or JWTs are replaced by "[redacted]". Errors become their message.
 */

export const REDACTED = '[redacted]';

const SECRET_WORDS = new Set(['password', 'passwd', 'passphrase', 'secret', 'secrets', 'authorization']);
const SECRET_LAST_WORDS = new Set(['token', 'tokens']);
const SECRET_PAIRS = ['private_key', 'key_pem', 'private_keys'];
const PEM_PRIVATE_KEY = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;
const JWT = /^eyJ[\w-]+\.eyJ[\w-]+\.[\w-]*$/;
const MAX_DEPTH = 6;

/** Splits `joinToken`, `join-token`, `JOIN_TOKEN` alike into lower-case words. */
function words(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== '');
}

/** True for keys whose values are secrets (`token`, `join_token`, `secret_access_key`, `keyPem`). */
export function isSecretKey(key: string): boolean {
  const parts = words(key);
  if (parts.some((w) => SECRET_WORDS.has(w))) return true;
  if (SECRET_LAST_WORDS.has(parts.at(-1) ?? '')) return true;
  const joined = `_${parts.join('_')}_`;
  return SECRET_PAIRS.some((pair) => joined.includes(`_${pair}_`)) || parts.includes('privatekey') || parts.includes('keypem');
}

/** True for strings that are private keys or JWTs whatever their key. */
export function isSecretValue(value: string): boolean {
  return PEM_PRIVATE_KEY.test(value) || JWT.test(value);
}

function sanitizeValue(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return isSecretValue(value) ? REDACTED : value;
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Error) return sanitizeValue(value.message, depth);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (value instanceof Uint8Array) return `[${value.length} bytes]`;
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '[nested]';
  if (Array.isArray(value)) return value.map((item) => sanitizeValue(item, depth + 1));
  return sanitizeObject(value as Record<string, unknown>, depth + 1);
}

function sanitizeObject(fields: Readonly<Record<string, unknown>>, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    const safe = isSecretKey(key) ? REDACTED : sanitizeValue(value, depth);
    Object.defineProperty(out, key, { value: safe, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** A copy of `fields` safe to log: secrets redacted, errors as messages, binary summarized. */
export function redactFields(fields: Readonly<Record<string, unknown>> | undefined): Record<string, unknown> {
  return fields === undefined ? {} : sanitizeObject(fields, 0);
}
