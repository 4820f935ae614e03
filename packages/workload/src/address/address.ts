/**
 * The Workload Endpoint address (SPIFFE Workload Endpoint §4): an RFC 3986 URI with scheme
 * `unix` (an absolute socket path, nothing else) or `tcp` (an IP address and a port, nothing
 * else). The option wins; otherwise SPIFFE_ENDPOINT_SOCKET. We follow the standard where go is
 * looser: `unix://host/path` is refused (an authority), as py-spiffe and java-spiffe do.
 */
import { isIP } from 'node:net';
import { WorkloadError, type WorkloadErrorCode } from '../errors.js';

/**
 * The environment variable clients fall back to.
 * @example process.env[SPIFFE_ENDPOINT_SOCKET] = 'unix:///run/spire/sockets/api.sock';
 */
export const SPIFFE_ENDPOINT_SOCKET = 'SPIFFE_ENDPOINT_SOCKET';

/**
 * A parsed Workload API address: where to dial.
 * @example const where: WorkloadAddress = { network: 'unix', path: '/run/spire/api.sock' };
 */
export type WorkloadAddress =
  | { readonly network: 'unix'; readonly path: string }
  | { readonly network: 'tcp'; readonly host: string; readonly port: number };

// RFC 3986 appendix B: scheme, authority (undefined when there is no "//"), path, query, fragment.
const URI_PARTS = /^(?:([^:/?#]+):)?(?:\/\/([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$/s;
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*$/;

function fail(code: WorkloadErrorCode, address: string, what: string): never {
  throw new WorkloadError(code, `workload endpoint ${what}: ${JSON.stringify(address.length > 256 ? `${address.slice(0, 256)}...` : address)}`);
}

/**
 * Parses a Workload API address.
 * @throws WorkloadError ERR_WORKLOAD_ADDRESS_* naming what is wrong.
 * @example
 * parseWorkloadAddress('unix:///tmp/spire-agent/public/api.sock'); // { network: 'unix', path: '/tmp/spire-agent/public/api.sock' }
 * parseWorkloadAddress('tcp://127.0.0.1:8000');                   // { network: 'tcp', host: '127.0.0.1', port: 8000 }
 */
export function parseWorkloadAddress(address: string): WorkloadAddress {
  const parts = URI_PARTS.exec(address);
  if (parts === null) fail('ERR_WORKLOAD_ADDRESS_SYNTAX', address, 'address is not a URI');
  const [, rawScheme, authority, rawPath = '', query, fragment] = parts;
  if (rawScheme === undefined || rawScheme === '') fail('ERR_WORKLOAD_ADDRESS_SCHEME', address, 'address must have a "tcp" or "unix" scheme');
  if (!SCHEME.test(rawScheme)) fail('ERR_WORKLOAD_ADDRESS_SYNTAX', address, 'address has an invalid scheme');
  const scheme = rawScheme.toLowerCase();
  if (scheme !== 'unix' && scheme !== 'tcp') fail('ERR_WORKLOAD_ADDRESS_SCHEME', address, 'address must have a "tcp" or "unix" scheme');
  const kind = `${scheme} socket URI`;
  if (query !== undefined && query !== '') fail('ERR_WORKLOAD_ADDRESS_QUERY', address, `${kind} must not include query values`);
  if (fragment !== undefined && fragment !== '') fail('ERR_WORKLOAD_ADDRESS_FRAGMENT', address, `${kind} must not include a fragment`);
  if (authority?.includes('@') === true) fail('ERR_WORKLOAD_ADDRESS_USER_INFO', address, `${kind} must not include user info`);
  const path = decodePath(rawPath, address);
  return scheme === 'unix' ? unixAddress(address, authority, path) : tcpAddress(address, authority, path);
}

function decodePath(rawPath: string, address: string): string {
  try {
    return decodeURIComponent(rawPath);
  } catch {
    return fail('ERR_WORKLOAD_ADDRESS_SYNTAX', address, 'address has an invalid percent-escape in its path');
  }
}

function unixAddress(address: string, authority: string | undefined, path: string): WorkloadAddress {
  if (authority === undefined && path !== '' && !path.startsWith('/')) {
    fail('ERR_WORKLOAD_ADDRESS_OPAQUE', address, 'unix socket URI must not be opaque (use unix:///absolute/path)');
  }
  if (authority !== undefined && authority !== '') fail('ERR_WORKLOAD_ADDRESS_AUTHORITY', address, 'unix socket URI must not include an authority (use unix:///absolute/path)');
  if (path === '' || path === '/') fail('ERR_WORKLOAD_ADDRESS_PATH', address, 'unix socket URI must include a path');
  if (path.includes('\0')) fail('ERR_WORKLOAD_ADDRESS_PATH', address, 'unix socket URI path must not contain NUL');
  return { network: 'unix', path };
}

function tcpAddress(address: string, authority: string | undefined, path: string): WorkloadAddress {
  if (authority === undefined) fail('ERR_WORKLOAD_ADDRESS_OPAQUE', address, 'tcp socket URI must not be opaque (use tcp://IP:port)');
  if (path !== '') fail('ERR_WORKLOAD_ADDRESS_PATH', address, 'tcp socket URI must not include a path');
  const hostPort = /^(\[[^\]]*\]|[^:[\]]*)(?::([^:]*))?$/.exec(authority);
  const bracketed = hostPort?.[1] ?? '';
  const host = bracketed.startsWith('[') ? bracketed.slice(1, -1) : bracketed;
  const ipVersion = isIP(host);
  if (hostPort === null || ipVersion === 0 || (ipVersion === 6) !== bracketed.startsWith('[')) {
    fail('ERR_WORKLOAD_ADDRESS_HOST', address, 'tcp socket URI host component must be an IP:port');
  }
  const portText = hostPort[2];
  if (portText === undefined || portText === '') fail('ERR_WORKLOAD_ADDRESS_PORT', address, 'tcp socket URI must include a port');
  const port = /^[0-9]{1,5}$/.test(portText) ? Number(portText) : NaN;
  if (!(port >= 1 && port <= 65535)) fail('ERR_WORKLOAD_ADDRESS_PORT', address, 'tcp socket URI port must be a number from 1 to 65535');
  return { network: 'tcp', host, port };
}

/**
 * The address to use: `address` when given, else SPIFFE_ENDPOINT_SOCKET from `env`.
 * @throws WorkloadError ERR_WORKLOAD_ADDRESS_MISSING when neither is set, or ERR_WORKLOAD_ADDRESS_* when it is invalid.
 * @example
 * const where = resolveWorkloadAddress(undefined, process.env); // from SPIFFE_ENDPOINT_SOCKET
 */
export function resolveWorkloadAddress(address: string | undefined, env: Readonly<Record<string, string | undefined>>): WorkloadAddress {
  if (address !== undefined && address !== '') return parseWorkloadAddress(address);
  const fromEnv = env[SPIFFE_ENDPOINT_SOCKET];
  if (fromEnv === undefined || fromEnv === '') {
    throw new WorkloadError(
      'ERR_WORKLOAD_ADDRESS_MISSING',
      `workload endpoint socket address is not configured: pass the address option or set ${SPIFFE_ENDPOINT_SOCKET} (e.g. unix:///tmp/spire-agent/public/api.sock)`,
    );
  }
  return parseWorkloadAddress(fromEnv);
}

/**
 * The address as a URI again (for logs and messages).
 * @example formatWorkloadAddress({ network: 'tcp', host: '::1', port: 8000 }); // 'tcp://[::1]:8000'
 */
export function formatWorkloadAddress(address: WorkloadAddress): string {
  if (address.network === 'unix') return `unix://${address.path}`;
  return `tcp://${isIP(address.host) === 6 ? `[${address.host}]` : address.host}:${address.port}`;
}
