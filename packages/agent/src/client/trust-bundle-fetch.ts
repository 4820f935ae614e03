/**
 * Fetches the bootstrap trust bundle from trust_bundle_url (SPIRE agent.conf): an HTTPS GET
 * verified against the default roots (Node's CA store, plus NODE_EXTRA_CA_CERTS), or a plain
 * HTTP GET through trust_bundle_unix_socket. Plain http:// without the socket is refused here
 * too (fail closed even if the config check was bypassed). Only a 200 answer of at most
 * `maxBytes` counts; redirects are not followed.
 */
import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { SecureContextOptions } from 'node:tls';

export const DEFAULT_TRUST_BUNDLE_FETCH_TIMEOUT_MS = 30_000;
export const DEFAULT_TRUST_BUNDLE_MAX_BYTES = 1024 * 1024;

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
    const parsed = parseUrl(url);
    const viaSocket = unixSocket !== undefined && unixSocket !== '';
    if (parsed.protocol === 'http:' && !viaSocket) throw new Error('the URL must use https:// (http:// only with trust_bundle_unix_socket)');
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new Error(`unsupported scheme "${parsed.protocol}"`);
    const base: RequestOptions = { method: 'GET', timeout: timeoutMs, headers: { accept: '*/*' } };
    const send = parsed.protocol === 'https:' ? httpsRequest : httpRequest;
    const requestOptions = viaSocket
      ? { ...base, socketPath: unixSocket, path: `${parsed.pathname}${parsed.search}`, headers: { ...base.headers, host: parsed.host } }
      : base;
    const tlsOptions = parsed.protocol === 'https:' && options.ca !== undefined ? { ca: options.ca } : {};
    return new Promise<Uint8Array>((resolve, reject) => {
      const req = viaSocket ? send({ ...requestOptions, ...tlsOptions }) : send(parsed, { ...requestOptions, ...tlsOptions });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.on('error', reject);
      req.on('response', (res) => readBody(res, maxBytes).then(resolve, reject));
      req.end();
    });
  };
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
