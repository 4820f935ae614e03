/**
 * Test fixture for the Workload API: a CA per trust domain (own example.org, federated other.org
 * and third.org), JWT signing keys, an InMemoryIdentitySource, the endpoint on a real UNIX socket
 * in a temporary directory, and connect gRPC clients for it (with or without the security header).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Code, ConnectError, createClient, type Client, type Interceptor } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { FakeClock, createCapturingLogger, type CapturingLogger } from '@tspire/common';
import { workload } from '@tspire/proto';
import { SpiffeBundle, SpiffeId, TrustDomain, X509Svid } from '@tspire/spiffe';
import { FIXTURE_NOW, createCa, createLeaf, keyPairFor, signToken, type Issued, type KeyPair } from '@tspire/spiffe/testing';
import type { Selector, WorkloadIdentity } from './identity-source.js';
import { InMemoryIdentitySource } from './in-memory-source.js';
import { startWorkloadApi, type WorkloadApiOptions, type WorkloadApiServer } from './workload-api.js';

export const TD = TrustDomain.parse('example.org');
export const OTHER_TD = TrustDomain.parse('other.org');
export const THIRD_TD = TrustDomain.parse('third.org');
export const UID_1000: readonly Selector[] = [{ type: 'unix', value: 'uid:1000' }];

/** The in-memory source's signer fails for identities with this path. */
export const UNSIGNABLE_PATH = '/unsignable';

export type WorkloadClient = Client<typeof workload.SpiffeWorkloadAPI>;

export interface TrustDomainKeys {
  readonly ca: Issued;
  readonly jwtKid: string;
  readonly jwtKeys: KeyPair;
}

export interface WorkloadFixture {
  readonly clock: FakeClock;
  readonly logger: CapturingLogger;
  readonly source: InMemoryIdentitySource;
  readonly own: TrustDomainKeys;
  readonly other: TrustDomainKeys;
  readonly third: TrustDomainKeys;
  readonly dir: string;
  readonly socketPath: string;
  readonly api: WorkloadApiServer;
  /** What the attestor returns for the next attestation (default UID_1000). */
  selectors: readonly Selector[] | Error;
  /** The sockets the attestor was called with, one per attestation. */
  readonly attestedSockets: net.Socket[];
  /** A client on its own connection; `header: false` leaves the security header out. */
  client(options?: { header?: boolean }): WorkloadClient;
  /** A fresh X509-SVID of the own trust domain for `path`. */
  svid(path: string, hint?: string): Promise<X509Svid>;
  /** A JWT-SVID signed by `keys` (own by default). */
  jwt(claims: Record<string, unknown>, keys?: TrustDomainKeys): string;
  spiffeId(path: string, td?: TrustDomain): SpiffeId;
}

async function trustDomainKeys(td: TrustDomain): Promise<TrustDomainKeys> {
  const ca = await createCa({ uris: [td.idString()], subject: `CN=${td.name} CA` });
  return { ca, jwtKid: `${td.name}-k1`, jwtKeys: keyPairFor('ES256') };
}

export function spiffeBundleOf(td: TrustDomain, keys: TrustDomainKeys): SpiffeBundle {
  return new SpiffeBundle(td, { x509Authorities: [keys.ca.cert], jwtAuthorities: [[keys.jwtKid, keys.jwtKeys.publicKey]] });
}

const addSecurityHeader: Interceptor = (next) => (req) => {
  req.header.set('workload.spiffe.io', 'true');
  return next(req);
};

/** Runs `fn` with a started endpoint; always closes it and removes the directory. */
export async function withWorkloadApi(
  fn: (f: WorkloadFixture) => Promise<void>,
  options: Partial<Pick<WorkloadApiOptions, 'allowUnauthenticatedVerifiers' | 'allowedForeignJwtClaims' | 'routes'>> = {},
): Promise<void> {
  const [own, other, third] = await Promise.all([trustDomainKeys(TD), trustDomainKeys(OTHER_TD), trustDomainKeys(THIRD_TD)]);
  const clock = new FakeClock(FIXTURE_NOW);
  const logger = createCapturingLogger();
  const jwt = (claims: Record<string, unknown>, keys: TrustDomainKeys = own): string =>
    signToken({ alg: 'ES256', typ: 'JWT', kid: keys.jwtKid }, claims, keys.jwtKeys.privateKey);
  const source = new InMemoryIdentitySource({
    bundle: spiffeBundleOf(TD, own),
    federatedBundles: [spiffeBundleOf(OTHER_TD, other), spiffeBundleOf(THIRD_TD, third)],
    mintJwtSvid: async (identity: WorkloadIdentity, audience) => {
      if (identity.spiffeId.path === UNSIGNABLE_PATH) throw new Error('server 10.0.0.7:8081 unreachable');
      const now = Math.floor(clock.nowMs() / 1000);
      return jwt({ sub: identity.spiffeId.toString(), aud: [...audience], exp: now + 300, iat: now });
    },
  });
  const dir = await mkdtemp(join(tmpdir(), 'tspire-wl-'));
  const socketPath = join(dir, 'public', 'nested', 'api.sock');
  const attestedSockets: net.Socket[] = [];
  const fixture = { selectors: UID_1000 as WorkloadFixture['selectors'] };
  const api = await startWorkloadApi({
    socketPath,
    identities: source,
    attestCaller: async (socket) => {
      attestedSockets.push(socket);
      if (fixture.selectors instanceof Error) throw fixture.selectors;
      return fixture.selectors;
    },
    logger,
    clock,
    ...options,
  });
  const f: WorkloadFixture = Object.assign(fixture, {
    clock,
    logger,
    source,
    own,
    other,
    third,
    dir,
    socketPath,
    api,
    attestedSockets,
    client: ({ header = true }: { header?: boolean } = {}) =>
      createClient(
        workload.SpiffeWorkloadAPI,
        createGrpcTransport({
          baseUrl: 'http://localhost',
          nodeOptions: { createConnection: () => net.connect(socketPath) },
          interceptors: header ? [addSecurityHeader] : [],
        }),
      ),
    svid: async (path: string, hint?: string) => {
      const leaf = await createLeaf(own.ca, { uris: [`spiffe://${TD.name}${path}`] });
      return X509Svid.fromParts([leaf.cert], leaf.keys.privateKey, hint === undefined ? {} : { hint });
    },
    jwt,
    spiffeId: (path: string, td: TrustDomain = TD) => SpiffeId.fromPath(td, path),
  });
  try {
    await fn(f);
  } finally {
    await api.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Reads a server stream one message at a time; `cancel()` ends it from the client side. */
export interface StreamReader<T> {
  next(): Promise<T>;
  /** Resolves with the error the stream ended with (rejects if a message arrives instead). */
  error(): Promise<unknown>;
  cancel(): void;
}

export function readStream<T>(open: (signal: AbortSignal) => AsyncIterable<T>): StreamReader<T> {
  const abort = new AbortController();
  const iterator = open(abort.signal)[Symbol.asyncIterator]();
  return {
    async next() {
      const result = await iterator.next();
      if (result.done === true) throw new Error('the stream ended');
      return result.value;
    },
    async error() {
      let result: IteratorResult<T>;
      try {
        result = await iterator.next();
      } catch (err) {
        return err;
      }
      throw new Error(result.done === true ? 'the stream ended without error' : 'a message arrived instead of an error');
    },
    cancel: () => abort.abort(),
  };
}

/** An assert.rejects / assert.ok predicate: a ConnectError with `code` (and exactly `message`). */
export function isStatus(code: Code, message?: string | RegExp): (err: unknown) => boolean {
  return (err) => {
    if (!(err instanceof ConnectError)) throw new Error(`expected a ConnectError, got ${String(err)}`);
    if (err.code !== code) throw new Error(`expected ${Code[code]}, got ${Code[err.code]}: ${err.rawMessage}`);
    if (typeof message === 'string' && err.rawMessage !== message) throw new Error(`expected message ${JSON.stringify(message)}, got ${JSON.stringify(err.rawMessage)}`);
    if (message instanceof RegExp && !message.test(err.rawMessage)) throw new Error(`message ${JSON.stringify(err.rawMessage)} does not match ${message}`);
    return true;
  };
}
