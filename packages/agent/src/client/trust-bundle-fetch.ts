/**
 * Fetches the bootstrap trust bundle from trust_bundle_url (SPIRE agent.conf): an HTTPS GET
 * verified against the default roots (Node's CA store, plus NODE_EXTRA_CA_CERTS), or a plain
 * HTTP GET through trust_bundle_unix_socket. Plain http:// without the socket is refused here
 * too (fail closed even if the config check was bypassed). Only a 200 answer of at most
 * `maxBytes` counts. Redirects are followed as Go's client (which SPIRE uses) follows them, up to
 * 10, but only to another https:// URL: a downgrade to plain HTTP is refused.
 */
import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { SecureContextOptions } from 'node:tls';

export const DEFAULT_TRUST_BUNDLE_FETCH_TIMEOUT_MS = 30_000;
export const DEFAULT_TRUST_BUNDLE_MAX_BYTES = 1024 * 1024;
export const MAX_TRUST_BUNDLE_REDIRECTS = 10;

export interface TrustBundleFetchRequest {
  /** trust_bundle_url */
  url: string;
  /** trust_bundle_unix_socket: the HTTP request goes over this socket. */
  unixSocket?: string | undefined;
}

/** Returns the body of the bundle URL. */
export type TrustBundleFetcher = (request: TrustBundleFetchRequest) => Promise<Uint8Array>;

export interface TrustBundleFetcherOptions {
  /** Replaces the default roots (tests use a local CA). */
  ca?: SecureContextOptions['ca'];
  timeoutMs?: number;
  maxBytes?: number;
}

/**
 * @example
 * const body = await createTrustBundleFetcher()({ url: 'https://bundles.example.org/agent.pem' });
 * @throws Error saying what failed (TLS, status, size, timeout); loadBootstrapBundle wraps it in
 *   ERR_AGENT_BOOTSTRAP naming the key and URL.
 */
export function createTrustBundleFetcher(options: TrustBundleFetcherOptions = {}): TrustBundleFetcher {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TRUST_BUNDLE_FETCH_TIMEOUT_MS;
  const maxBytes = options.maxBytes ?? DEFAULT_TRUST_BUNDLE_MAX_BYTES;
  return async ({ url, unixSocket }) => {
    let parsed = parseUrl(url);
    const viaSocket = unixSocket !== undefined && unixSocket !== '';
    if (parsed.protocol === 'http:' && !viaSocket) throw new Error('the URL must use https:// (http:// only with trust_bundle_unix_socket)');
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new Error(`unsupported scheme "${parsed.protocol}"`);
    for (let redirects = 0; ; redirects += 1) {
      const answer = await getOnce(parsed, viaSocket ? unixSocket : undefined, options.ca, timeoutMs, maxBytes);
      if (answer instanceof Uint8Array) return answer;
      if (viaSocket) throw new Error(`unexpected status code ${answer.status} (redirects are not followed over trust_bundle_unix_socket)`);
      if (redirects === MAX_TRUST_BUNDLE_REDIRECTS) throw new Error(`stopped after ${MAX_TRUST_BUNDLE_REDIRECTS} redirects`);
      const next = parseRedirect(answer.location, parsed);
      if (next.protocol !== 'https:') throw new Error(`refusing a redirect to ${JSON.stringify(next.protocol)} (only https:// is followed)`);
      parsed = next;
    }
  };
}

interface Redirect {
  status: number;
  location: string | undefined;
}

/** One GET: the body of a 200, or where a 3xx points. */
function getOnce(
  url: URL,
  unixSocket: string | undefined,
  ca: SecureContextOptions['ca'] | undefined,
  timeoutMs: number,
  maxBytes: number,
): Promise<Uint8Array | Redirect> {
  const base: RequestOptions = { method: 'GET', timeout: timeoutMs, headers: { accept: '*/*' } };
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const tlsOptions = url.protocol === 'https:' && ca !== undefined ? { ca } : {};
  return new Promise((resolve, reject) => {
    const req =
      unixSocket !== undefined
        ? send({ ...base, ...tlsOptions, socketPath: unixSocket, path: `${url.pathname}${url.search}`, headers: { ...base.headers, host: url.host } })
        : send(url, { ...base, ...tlsOptions });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      if (REDIRECT_STATUSES.has(status)) {
        res.resume();
        resolve({ status, location: res.headers.location });
        return;
      }
      readBody(res, maxBytes).then(resolve, reject);
    });
    req.end();
  });
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

function parseRedirect(location: string | undefined, from: URL): URL {
  if (location === undefined || location === '') throw new Error('a redirect without a Location header');
  try {
    return new URL(location, from);
  } catch {
    throw new Error(`a redirect to an invalid URL ${JSON.stringify(location)}`);
  }
}

function readBody(res: IncomingMessage, maxBytes: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    if (res.statusCode !== 200) {
      res.resume();
      reject(new Error(`unexpected status code ${String(res.statusCode)}`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        res.destroy();
        reject(new Error(`the bundle is larger than ${maxBytes} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    res.on('error', reject);
    res.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks))));
  });
}

function parseUrl(url: string): URL {
  try {
    return new URL(url);
  } catch {
    throw new Error('not a valid URL');
  }
}
