/**
 * TLS handshake benchmarks of @tspire/workload: two P-256 PKIs valid around the real time (node's
 * own chain check reads the system clock), one for plain node:tls (a CA, a server certificate
 * with IP SAN 127.0.0.1, a client certificate) and one SPIFFE trust domain (a CA and two
 * X509-SVIDs), servers on 127.0.0.1 that greet each accepted connection with one byte, and a
 * client that makes one full handshake per call.
 *
 * The client waits for the server's byte, not just 'secureConnect': in TLS 1.3 the client is done
 * before the server has read (and verified) the client certificate, so only the byte proves that
 * both sides finished, our server-side verification included.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import * as tls from 'node:tls';
import * as x509 from '@peculiar/x509';
import { X509Bundle, X509BundleSet, X509Svid, TrustDomain, authorizeId } from '@tspire/spiffe';
import { createCa, createLeaf, type Issued } from '@tspire/spiffe/testing';
import { mtlsClientOptions, mtlsServerOptions } from '@tspire/workload';

const HOUR = 3_600_000;
export const SDK_SERVER_ID = 'spiffe://example.org/bench/server';
export const SDK_CLIENT_ID = 'spiffe://example.org/bench/client';

/** Static PEM material for plain node:tls. */
export interface PlainPki {
  readonly caPem: string;
  readonly server: { readonly cert: string; readonly key: string };
  readonly client: { readonly cert: string; readonly key: string };
}

/** A SPIFFE trust domain with a server and a client SVID. */
export interface SpiffePki {
  readonly bundles: X509BundleSet;
  readonly serverSvid: X509Svid;
  readonly clientSvid: X509Svid;
}

function validity(now: number) {
  return { notBefore: new Date(now - HOUR), notAfter: new Date(now + 24 * HOUR) };
}

function pem(issued: Issued): { cert: string; key: string } {
  return { cert: issued.cert.toString(), key: issued.keys.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString() };
}

/** A CA, a server certificate for IP 127.0.0.1 and a client certificate (serverAuth/clientAuth), P-256. */
export async function plainPki(now = Date.now()): Promise<PlainPki> {
  const ca = await createCa({ subject: 'CN=Plain Bench CA, O=tspire', uris: [], ...validity(now) });
  const server = await createLeaf(ca, {
    subject: 'CN=127.0.0.1, O=tspire',
    uris: [],
    extKeyUsage: ['1.3.6.1.5.5.7.3.1'],
    extraExtensions: [new x509.SubjectAlternativeNameExtension([{ type: 'ip', value: '127.0.0.1' }])],
    ...validity(now),
  });
  const client = await createLeaf(ca, { subject: 'CN=bench client, O=tspire', uris: [], extKeyUsage: ['1.3.6.1.5.5.7.3.2'], ...validity(now) });
  return { caPem: ca.cert.toString(), server: pem(server), client: pem(client) };
}

/** The trust domain example.org with SVIDs for SDK_SERVER_ID and SDK_CLIENT_ID, P-256. */
export async function spiffePki(now = Date.now()): Promise<SpiffePki> {
  const ca = await createCa({ subject: 'CN=SPIFFE Bench CA, O=tspire', uris: ['spiffe://example.org'], ...validity(now) });
  const svid = async (id: string) => {
    const leaf = await createLeaf(ca, { uris: [id], ...validity(now) });
    return X509Svid.fromParts([leaf.cert], leaf.keys.privateKey);
  };
  return {
    bundles: new X509BundleSet([new X509Bundle(TrustDomain.parse('example.org'), [ca.cert])]),
    serverSvid: await svid(SDK_SERVER_ID),
    clientSvid: await svid(SDK_CLIENT_ID),
  };
}

/** A listening server and the client options that connect to it. */
export interface HandshakeTarget {
  readonly port: number;
  readonly clientOptions: () => tls.ConnectionOptions;
  /** Connections the server refused (tlsClientError); a benchmark run expects none. */
  readonly refusals: Error[];
  close(): Promise<void>;
}

function greet(socket: tls.TLSSocket): void {
  socket.on('error', () => undefined); // the client hangs up right after the byte
  socket.end('k');
}

async function listen(server: tls.Server, clientOptions: () => tls.ConnectionOptions): Promise<HandshakeTarget> {
  const refusals: Error[] = [];
  server.on('tlsClientError', (err) => refusals.push(err));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    port,
    clientOptions,
    refusals,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Plain node:tls, mutual: the server requires a client certificate from the CA
 * (requestCert + rejectUnauthorized), the client checks the chain and the IP SAN (node's
 * defaults). `contexts: 'prebuilt'` gives the client one SecureContext made up front (the fair
 * baseline); `'per-connect'` passes ca/cert/key to every tls.connect (node then builds a
 * context per connection, as code that spreads static options does).
 */
export async function plainTarget(pki: PlainPki, contexts: 'prebuilt' | 'per-connect'): Promise<HandshakeTarget> {
  const server = tls.createServer({ ...pki.server, ca: [pki.caPem], requestCert: true, rejectUnauthorized: true }, greet);
  const material = { ca: [pki.caPem], ...pki.client };
  const context = tls.createSecureContext(material);
  const options = contexts === 'prebuilt' ? () => ({ secureContext: context }) : () => ({ ...material });
  return listen(server, options);
}

/** Our mtlsServerOptions/mtlsClientOptions with static SVIDs and one bundle set; each side authorizes one ID. */
export async function spiffeTarget(pki: SpiffePki): Promise<HandshakeTarget> {
  const serverOptions = mtlsServerOptions({ getX509Svid: () => pki.serverSvid }, pki.bundles, authorizeId(SDK_CLIENT_ID));
  const server = serverOptions.attach(tls.createServer(serverOptions, greet));
  const clientOptions = mtlsClientOptions({ getX509Svid: () => pki.clientSvid }, pki.bundles, authorizeId(SDK_SERVER_ID));
  return listen(server, () => ({ ...clientOptions }));
}

/** What one handshake saw, so a benchmark can check that it measured what it says. */
export interface HandshakeInfo {
  readonly protocol: string | null;
  readonly resumed: boolean;
}

/** One new connection: full handshake, the server's byte, then close. Rejects on any failure. */
export function handshake(target: HandshakeTarget): Promise<HandshakeInfo> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port: target.port, ...target.clientOptions() });
    let settled = false;
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      reject(err);
    };
    socket.once('data', () => {
      if (settled) return;
      settled = true;
      const info = { protocol: socket.getProtocol(), resumed: socket.isSessionReused() };
      socket.destroy();
      resolve(info);
    });
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('connection closed before the server greeted')));
  });
}
