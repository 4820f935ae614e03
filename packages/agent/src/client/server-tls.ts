/**
 * TLS towards the SPIRE server, as the SPIRE agent does it: the server certificate must chain
 * to the agent's trust bundle AND its only URI SAN must be `spiffe://<td>/spire/server`; the
 * agent presents its X509-SVID when it has one.
 *
 * Fail closed: OpenSSL checks the chain against the bundle roots (`ca`, rejectUnauthorized),
 * then `checkServerIdentity` runs the SPIFFE checks (verifyX509Svid + the ID rule) and an error
 * from it makes node destroy the socket before 'secureConnect', so the HTTP/2 session never
 * starts and no request byte (join token, CSR) reaches an unverified server.
 */
import type { KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import tls, { type ConnectionOptions, type PeerCertificate, type TLSSocket } from 'node:tls';
import { SpiffeId, encodePem, verifyX509Svid, type TrustDomain, type X509Bundle } from '@tspire/spiffe';
import { AgentError } from '../errors.js';

/** The agent's own X509-SVID, presented as the TLS client certificate. */
export interface AgentSvidCredentials {
  /** DER, leaf first, then intermediates. */
  certChainDer: readonly Uint8Array[];
  privateKey: KeyObject;
}

export interface ServerTlsOptions {
  trustDomain: TrustDomain;
  /**
   * Read at every new connection, so bundle updates apply to the next connection. `undefined`
   * = insecure bootstrap (`insecure_bootstrap = true`): the server is not verified at all, as
   * in SPIRE; the caller must verify what it got (the agent manager checks its new SVID against
   * the bundle from GetBundle).
   */
  trustBundle: X509Bundle | undefined;
  /** Read at every new connection; undefined = no client certificate. */
  svid: () => AgentSvidCredentials | undefined;
  /** Time for the SPIFFE verification. */
  now: () => Date;
}

/** `spiffe://<td>/spire/server`: the only identity the agent accepts for the server. */
export function serverSpiffeId(trustDomain: TrustDomain): SpiffeId {
  return SpiffeId.fromPath(trustDomain, '/spire/server');
}

/**
 * Verifies a server certificate chain (leaf first) as the agent must.
 * @throws AgentError ERR_AGENT_SERVER_NOT_TRUSTED saying why.
 */
export function verifyServerChain(chain: readonly Uint8Array[], options: Pick<ServerTlsOptions, 'trustDomain' | 'now'> & { trustBundle: X509Bundle }): void {
  const expected = serverSpiffeId(options.trustDomain);
  let id: SpiffeId;
  try {
    ({ id } = verifyX509Svid(chain, options.trustBundle, { now: options.now() }));
  } catch (err) {
    throw new AgentError('ERR_AGENT_SERVER_NOT_TRUSTED', `the server certificate is not trusted: ${(err as Error).message}`, { cause: err });
  }
  if (!id.equals(expected)) {
    throw new AgentError('ERR_AGENT_SERVER_NOT_TRUSTED', `the server presented ID "${id.toString()}" instead of "${expected.toString()}"`);
  }
}

/** The peer's chain as node links it (leaf first), DER. */
function chainOf(cert: PeerCertificate): Uint8Array[] {
  const chain: Uint8Array[] = [];
  const seen = new Set<object>();
  let current: PeerCertificate | undefined = cert;
  while (current?.raw !== undefined && !seen.has(current)) {
    seen.add(current);
    chain.push(new Uint8Array(current.raw));
    current = (current as tls.DetailedPeerCertificate).issuerCertificate as PeerCertificate | undefined;
  }
  return chain;
}

/** TLS options for one new connection to `host`. */
export function serverTlsConnectionOptions(host: string, options: ServerTlsOptions): ConnectionOptions {
  const trustBundle = options.trustBundle;
  if (trustBundle === undefined) return insecureBootstrapOptions(host, options);
  const roots = trustBundle.x509Authorities();
  if (roots.length === 0) throw new AgentError('ERR_AGENT_SERVER_NOT_TRUSTED', `the trust bundle of "${options.trustDomain.name}" has no X.509 authorities`);
  const svid = options.svid();
  return {
    ALPNProtocols: ['h2'],
    minVersion: 'TLSv1.2',
    ca: roots.map((root) => root.toString()),
    rejectUnauthorized: true,
    ...(isIP(host) === 0 ? { servername: host } : {}),
    checkServerIdentity: (_hostname, cert) => {
      try {
        verifyServerChain(chainOf(cert), { ...options, trustBundle });
        return undefined;
      } catch (err) {
        return err as Error;
      }
    },
    ...(svid === undefined ? {} : clientCredentials(svid)),
  };
}

/**
 * Insecure bootstrap, as SPIRE's: the first connection does not verify the server (there is no
 * trust bundle yet). The caller must verify what it gets: the agent manager accepts the agent
 * SVID only if it verifies against the bundle from GetBundle, and every later connection
 * verifies the server against that bundle.
 */
function insecureBootstrapOptions(host: string, options: ServerTlsOptions): ConnectionOptions {
  const svid = options.svid();
  return {
    ALPNProtocols: ['h2'],
    minVersion: 'TLSv1.2',
    rejectUnauthorized: false,
    ...(isIP(host) === 0 ? { servername: host } : {}),
    ...(svid === undefined ? {} : clientCredentials(svid)),
  };
}

function clientCredentials(svid: AgentSvidCredentials): Pick<ConnectionOptions, 'cert' | 'key'> {
  if (svid.certChainDer.length === 0) throw new AgentError('ERR_AGENT_INVALID_CLIENT_OPTIONS', 'the agent SVID has an empty certificate chain');
  return {
    cert: svid.certChainDer.map((certDer) => encodePem('CERTIFICATE', certDer)).join(''),
    key: svid.privateKey.export({ format: 'pem', type: 'pkcs8' }),
  };
}

/** Handshake errors caused by the server's certificate (node's chain check or ours). */
const trustFailures = new WeakMap<Error, AgentError>();

/**
 * The AgentError (ERR_AGENT_SERVER_NOT_TRUSTED) behind a connection error, if the handshake
 * failed because the server certificate was refused.
 */
export function serverTrustFailure(err: unknown): AgentError | undefined {
  return err instanceof Error ? trustFailures.get(err) : undefined;
}

/**
 * An `http2.connect` `createConnection` that opens a TLS socket with fresh options each time.
 * @example http2.connect(url, { createConnection: serverTlsConnector(host, port, options) })
 */
export function serverTlsConnector(host: string, port: number, options: ServerTlsOptions): () => TLSSocket {
  return () => {
    const socket = tls.connect({ host, port, ...serverTlsConnectionOptions(host, options) });
    socket.once('error', (err) => {
      // Node sets authorizationError just before it destroys the socket for a refused certificate.
      if (socket.authorized || !socket.authorizationError) return;
      const failure = err instanceof AgentError ? err : new AgentError('ERR_AGENT_SERVER_NOT_TRUSTED', `the server certificate is not trusted: ${err.message}`, { cause: err });
      trustFailures.set(err, failure);
    });
    return socket;
  };
}
