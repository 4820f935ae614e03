/**
 * Test-only: SPIFFE PKI for real TLS tests over 127.0.0.1. Certificates are valid around the
 * real time (node's own chain pre-filter on clients reads the system clock); SPIFFE checks get
 * an injected clock. Never import this from library code (it pulls @tspire/spiffe/testing).
 */
import { once } from 'node:events';
import * as tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { TrustDomain, X509Bundle, X509BundleSet, X509Svid, type X509SvidSource } from '@tspire/spiffe';
import { createCa, createLeaf, type Issued } from '@tspire/spiffe/testing';

const HOUR = 3_600_000;

export interface TestDomain {
  readonly trustDomain: TrustDomain;
  readonly ca: Issued;
  readonly bundle: X509Bundle;
}

export async function testDomain(name: string, now = Date.now()): Promise<TestDomain> {
  const ca = await createCa({ subject: `CN=${name} CA, O=tspire`, uris: [`spiffe://${name}`], notBefore: new Date(now - HOUR), notAfter: new Date(now + 24 * HOUR) });
  const trustDomain = TrustDomain.parse(name);
  return { trustDomain, ca, bundle: new X509Bundle(trustDomain, [ca.cert]) };
}

/** An X509-SVID for `id` issued by the domain's CA, valid [notBefore, notAfter]. */
export async function testSvid(domain: TestDomain, id: string, validity: { notBefore?: Date; notAfter?: Date } = {}): Promise<X509Svid> {
  const now = Date.now();
  const leaf = await createLeaf(domain.ca, {
    uris: [id],
    notBefore: validity.notBefore ?? new Date(now - HOUR),
    notAfter: validity.notAfter ?? new Date(now + HOUR),
  });
  return X509Svid.fromParts([leaf.cert], leaf.keys.privateKey);
}

export function bundleSet(...domains: TestDomain[]): X509BundleSet {
  return new X509BundleSet(domains.map((domain) => domain.bundle));
}

/** A live-like source whose SVID tests swap (rotation). */
export class SwappableSvidSource implements X509SvidSource {
  constructor(public svid: X509Svid) {}
  getX509Svid(): X509Svid {
    return this.svid;
  }
}

/** Listens on 127.0.0.1 with an ephemeral port; returns the port. */
export async function listen(server: tls.Server | import('node:net').Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

export async function close(server: tls.Server | import('node:net').Server): Promise<void> {
  (server as { closeAllConnections?: () => void }).closeAllConnections?.();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

export interface ConnectResult {
  /** Everything the server sent before the connection ended. */
  readonly data: string;
  /** The error the client socket ended with, if any. */
  readonly error?: Error;
  /** The server leaf's serial number, when the handshake got that far. */
  readonly serverSerial?: string;
}

/** Connects, reads until the server closes (or the connection fails), and reports. */
export async function connectAndRead(port: number, options: tls.ConnectionOptions): Promise<ConnectResult> {
  return new Promise((resolve) => {
    const socket = tls.connect({ ...options, host: '127.0.0.1', port });
    let data = '';
    let error: Error | undefined;
    let serverSerial: string | undefined;
    socket.on('secureConnect', () => {
      serverSerial = socket.getPeerX509Certificate()?.serialNumber;
    });
    socket.on('data', (chunk: Buffer) => (data += chunk.toString()));
    socket.on('error', (err) => (error = err));
    socket.on('close', () => resolve({ data, ...(error === undefined ? {} : { error }), ...(serverSerial === undefined ? {} : { serverSerial }) }));
  });
}
