/**
 * Test-only: an in-memory WorkloadApiClient whose streams the test drives, plus X.509/JWT
 * fixtures, an in-memory file writer and a fake process launcher.
 */
import { JwtBundle, JwtBundleSet, JwtSvid, TrustDomain, X509Bundle, X509BundleSet, X509Svid, type JwtBundleSet as JwtBundleSetType } from '@tspire/spiffe';
import { FIXTURE_NOW, createCa, createIntermediate, createLeaf, keyPairFor, signToken, type Issued } from '@tspire/spiffe/testing';
import type { CallOptions, JwtSvidParams, Watcher, WorkloadApiClient, X509Context } from '@tspire/workload';
import type { FileWriter } from './file-writer.js';
import type { ManagedChild, NotifierDeps } from './process-notifier.js';
import { nullLogger } from '@tspire/common';

export const TD = TrustDomain.parse('example.org');
export const FEDERATED_TD = TrustDomain.parse('federated.test');

interface Stream<T> {
  watchers: Set<Watcher<T>>;
  current: T | undefined;
}

function watchOn<T>(stream: Stream<T>, watcher: Watcher<T>, options: CallOptions | undefined): Promise<void> {
  return new Promise((resolve) => {
    const signal = options?.signal;
    if (signal?.aborted) return resolve();
    stream.watchers.add(watcher);
    if (stream.current !== undefined) watcher.onUpdate(stream.current);
    signal?.addEventListener('abort', () => {
      stream.watchers.delete(watcher);
      resolve();
    });
  });
}

export class FakeClient implements WorkloadApiClient {
  readonly x509: Stream<X509Context> = { watchers: new Set(), current: undefined };
  readonly jwtBundles: Stream<JwtBundleSetType> = { watchers: new Set(), current: undefined };
  readonly jwtRequests: JwtSvidParams[] = [];
  /** Answers fetchJwtSvid; throws to simulate a failure. */
  jwtSvidFor: (params: JwtSvidParams) => JwtSvid = () => {
    throw new Error('no JWT-SVID configured');
  };
  closed = false;

  pushX509(context: X509Context): void {
    this.x509.current = context;
    for (const w of this.x509.watchers) w.onUpdate(context);
  }
  failX509(err: Error): void {
    for (const w of this.x509.watchers) w.onError?.(err);
  }
  pushJwtBundles(bundles: JwtBundleSetType): void {
    this.jwtBundles.current = bundles;
    for (const w of this.jwtBundles.watchers) w.onUpdate(bundles);
  }

  watchX509Context(watcher: Watcher<X509Context>, options?: CallOptions): Promise<void> {
    return watchOn(this.x509, watcher, options);
  }
  watchJwtBundles(watcher: Watcher<JwtBundleSetType>, options?: CallOptions): Promise<void> {
    return watchOn(this.jwtBundles, watcher, options);
  }
  async fetchJwtSvid(params: JwtSvidParams): Promise<JwtSvid> {
    this.jwtRequests.push(params);
    return this.jwtSvidFor(params);
  }
  fetchX509Context(): Promise<X509Context> {
    return Promise.reject(new Error('not used by spiffe-helper'));
  }
  fetchX509Svid(): Promise<X509Svid> {
    return Promise.reject(new Error('not used by spiffe-helper'));
  }
  fetchX509Svids(): Promise<X509Svid[]> {
    return Promise.reject(new Error('not used by spiffe-helper'));
  }
  fetchX509Bundles(): Promise<X509BundleSet> {
    return Promise.reject(new Error('not used by spiffe-helper'));
  }
  watchX509Bundles(): Promise<void> {
    return Promise.reject(new Error('not used by spiffe-helper'));
  }
  fetchJwtSvids(): Promise<JwtSvid[]> {
    return Promise.reject(new Error('not used by spiffe-helper'));
  }
  fetchJwtBundles(): Promise<JwtBundleSetType> {
    return Promise.reject(new Error('not used by spiffe-helper'));
  }
  validateJwtSvid(): Promise<JwtSvid> {
    return Promise.reject(new Error('not used by spiffe-helper'));
  }
  close(): void {
    this.closed = true;
  }
}

/** A root, an intermediate, a leaf under it, and a federated root. */
export interface Pki {
  root: Issued;
  intermediate: Issued;
  federatedRoot: Issued;
}

export async function createPki(): Promise<Pki> {
  const root = await createCa({ subject: 'CN=root' });
  const intermediate = await createIntermediate(root, { subject: 'CN=intermediate' });
  const federatedRoot = await createCa({ subject: 'CN=federated root' });
  return { root, intermediate, federatedRoot };
}

/** An X509Context with one SVID per `ids` entry (leaf + intermediate), and both bundles. */
export async function x509Context(pki: Pki, svids: readonly { id: string; hint?: string; notAfter?: Date }[]): Promise<X509Context> {
  const made: X509Svid[] = [];
  for (const spec of svids) {
    const leaf = await createLeaf(pki.intermediate, { uris: [spec.id], ...(spec.notAfter ? { notAfter: spec.notAfter } : {}) });
    made.push(X509Svid.fromParts([leaf.cert, pki.intermediate.cert], leaf.keys.privateKey, spec.hint === undefined ? {} : { hint: spec.hint }));
  }
  return {
    svids: made,
    bundles: new X509BundleSet([new X509Bundle(TD, [pki.root.cert]), new X509Bundle(FEDERATED_TD, [pki.federatedRoot.cert])]),
  };
}

const jwtKey = keyPairFor('ES256');

/** A JWT bundle set with one key for example.org. */
export function jwtBundles(): JwtBundleSet {
  return new JwtBundleSet([new JwtBundle(TD, [['kid1', jwtKey.publicKey]])]);
}

/** A signed JWT-SVID for `audience` expiring at `expiry`. */
export function jwtSvid(audience: string, issuedAt: Date, expiry: Date): JwtSvid {
  const token = signToken(
    { alg: 'ES256', kid: 'kid1', typ: 'JWT' },
    { sub: 'spiffe://example.org/workload', aud: [audience], iat: Math.floor(issuedAt.getTime() / 1000), exp: Math.floor(expiry.getTime() / 1000) },
    jwtKey.privateKey,
  );
  return JwtSvid.parseInsecure(token, [audience], { now: issuedAt });
}

/** Files written, by path: the last content and mode. */
export function memoryWriter(): { files: Map<string, { data: string; mode: number }>; writeFile: FileWriter; failNext: (err: Error) => void } {
  const files = new Map<string, { data: string; mode: number }>();
  let failure: Error | undefined;
  return {
    files,
    failNext: (err) => (failure = err),
    writeFile: async (path, data, mode) => {
      if (failure !== undefined) {
        const err = failure;
        failure = undefined;
        throw err;
      }
      files.set(path, { data: typeof data === 'string' ? data : Buffer.from(data).toString('utf8'), mode });
    },
  };
}

export interface FakeChild extends ManagedChild {
  exited: boolean;
  readonly signals: NodeJS.Signals[];
}

/** Records spawns, kills and pid-file reads. */
export function fakeProcesses(pidFile = '4242\n/var/lib/postgresql\n'): {
  deps: NotifierDeps;
  spawned: { cmd: string; args: readonly string[]; child: FakeChild }[];
  killed: { pid: number; signal: NodeJS.Signals }[];
} {
  const spawned: { cmd: string; args: readonly string[]; child: FakeChild }[] = [];
  const killed: { pid: number; signal: NodeJS.Signals }[] = [];
  const deps: NotifierDeps = {
    spawn: (cmd, args) => {
      const child: FakeChild = { pid: 100 + spawned.length, exited: false, signals: [], kill: (s) => void child.signals.push(s) };
      spawned.push({ cmd, args, child });
      return child;
    },
    kill: (pid, signal) => void killed.push({ pid, signal }),
    readFile: async () => pidFile,
    logger: nullLogger,
  };
  return { deps, spawned, killed };
}

export { FIXTURE_NOW };
