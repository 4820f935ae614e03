/**
 * Verifies a TLS peer the SPIFFE way: its chain against the bundle of ITS trust domain only
 * (verifyX509Svid, never system roots), then its SPIFFE ID against the authorizer.
 */
import { X509Certificate } from 'node:crypto';
import type { Socket } from 'node:net';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import { SpiffeError, getX509CertInfo, SpiffeId, verifyX509Svid, type Authorizer, type X509BundleSource } from '@tspire/spiffe';

/** Longest chain read from a peer (leaf + intermediates + what node appends); more is refused. */
const MAX_PEER_CHAIN = 16;

/** Parsed peer certificates kept (by DER), so the same peers and CAs are not parsed per handshake. */
const PARSED_CACHE_SIZE = 64;
const parsedCertificates = new Map<string, X509Certificate>();

/** SPIFFE IDs of peers this module verified, by socket (the TLS helpers fill it). */
const verifiedPeers = new WeakMap<object, SpiffeId>();

/**
 * The peer chain as DER, leaf first, from node's detailed PeerCertificate (issuerCertificate
 * links; node ends the walk with a self-reference). Empty when the peer sent no certificate.
 */
export function peerChainDer(peer: PeerCertificate | undefined | null): Buffer[] {
  const chain: Buffer[] = [];
  let cert = peer as (PeerCertificate & { issuerCertificate?: PeerCertificate }) | undefined | null;
  while (cert != null && Buffer.isBuffer(cert.raw) && cert.raw.length > 0) {
    if (chain.length === MAX_PEER_CHAIN) {
      throw new SpiffeError('ERR_X509_PATH_TOO_LONG', `the peer certificate chain is longer than ${MAX_PEER_CHAIN} certificates`);
    }
    chain.push(cert.raw);
    const next = cert.issuerCertificate;
    if (next === undefined || next === cert || next.raw?.equals(cert.raw)) break;
    cert = next;
  }
  return chain;
}

/**
 * Verifies a peer chain and authorizes its ID; returns the ID.
 * @throws SpiffeError ERR_X509_EMPTY_CHAIN (no certificate), another ERR_X509_* (chain), or
 *   ERR_ID_NOT_AUTHORIZED (the authorizer refused).
 */
export function verifyPeer(chain: readonly Buffer[], bundleSource: X509BundleSource, authorizer: Authorizer, now: Date): SpiffeId {
  const id = verifyPeerChain(chain.map(parsedPeerCertificate), bundleSource, now);
  authorizer(id);
  return id;
}

function verifyPeerChain(chain: readonly (X509Certificate | Buffer)[], bundleSource: X509BundleSource, now: Date): SpiffeId {
  if (chain.length === 0) throw new SpiffeError('ERR_X509_EMPTY_CHAIN', 'the peer presented no certificate');
  return verifyX509Svid(chain, bundleSource, { now }).id;
}

/**
 * Verifies the client of a server-side socket and authorizes its ID; returns the ID.
 * Fast path: the leaf alone (node's short PeerCertificate, ~30 us, where the detailed one with
 * the chain costs ~0.5 ms under OpenSSL 3); it succeeds when a bundle authority signed the leaf.
 * Otherwise the full chain the client sent is verified, and its error is the one reported, so
 * refusals are as before. A path found from the leaf alone is a path through the presented
 * chain too. (Not getPeerX509Certificate(): on a server, node 20 empties the socket's peer
 * chain when building it, and the application could no longer read the intermediates.)
 * @throws as verifyPeer.
 */
export function verifyClientSocket(socket: TLSSocket, bundleSource: X509BundleSource, authorizer: Authorizer, now: Date): SpiffeId {
  let id: SpiffeId | undefined;
  const leafDer = (socket.getPeerCertificate(false) as Partial<PeerCertificate> | null)?.raw;
  if (Buffer.isBuffer(leafDer) && leafDer.length > 0) {
    try {
      id = verifyPeerChain([parsedPeerCertificate(leafDer)], bundleSource, now);
    } catch {
      // intermediates may be needed: verify the whole chain below
    }
  }
  id ??= verifyPeerChain(peerChainDer(socket.getPeerCertificate(true)).map(parsedPeerCertificate), bundleSource, now);
  authorizer(id);
  return id;
}

/**
 * A certificate of a peer chain, parsed once per DER (a small LRU): servers see the same client
 * SVIDs and clients the same server SVID and CA for many connections, and a parse is ~0.2 ms
 * under OpenSSL 3. X509Certificate is immutable, so sharing one object changes nothing. DER that
 * does not parse is given back as is (and not cached) for verifyX509Svid to refuse with its error.
 */
export function parsedPeerCertificate(der: Buffer): X509Certificate | Buffer {
  const key = der.toString('base64');
  const cached = parsedCertificates.get(key);
  if (cached !== undefined) {
    parsedCertificates.delete(key); // re-insert: most recently used last
    parsedCertificates.set(key, cached);
    return cached;
  }
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(der);
  } catch {
    return der; // not cached; verifyX509Svid names the certificate that does not parse
  }
  if (parsedCertificates.size >= PARSED_CACHE_SIZE) parsedCertificates.delete(parsedCertificates.keys().next().value!);
  parsedCertificates.set(key, cert);
  return cert;
}

/** Certificates in the parse cache (tests). */
export function parsedPeerCertificateCount(): number {
  return parsedCertificates.size;
}

/** Records the verified ID of a socket, for peerSpiffeId. */
export function rememberPeer(socket: object, id: SpiffeId): void {
  verifiedPeers.set(socket, id);
}

/**
 * The SPIFFE ID of the peer of a connection made with these TLS options (already verified and
 * authorized during the handshake). Works with a TLSSocket, `req.socket` (https) and an http2
 * session's or request's socket. A plain socket (no TLS) has no peer ID and throws.
 * @throws SpiffeError ERR_X509_NO_URI_SAN when the socket has no peer certificate with a SPIFFE ID.
 * @example
 * https.createServer(options, (req, res) => res.end(`hello ${peerSpiffeId(req.socket)}`));
 */
export function peerSpiffeId(socket: Socket | TLSSocket): SpiffeId {
  const known = verifiedPeers.get(socket);
  if (known !== undefined) return known;
  // http2 hands out a proxy of the TLSSocket: read the leaf again (it was verified at handshake).
  const tlsSocket = socket as Partial<Pick<TLSSocket, 'getPeerX509Certificate'>>;
  const leaf = typeof tlsSocket.getPeerX509Certificate === 'function' ? tlsSocket.getPeerX509Certificate() : undefined;
  const uris = leaf === undefined ? [] : getX509CertInfo(leaf).uriSans;
  if (uris.length !== 1) throw new SpiffeError('ERR_X509_NO_URI_SAN', 'the connection has no peer certificate with exactly one URI SAN');
  return SpiffeId.parse(uris[0]!);
}
