/**
 * Test-only: an in-process fake Workload API on a real UNIX socket (connect-node's handler on
 * node:http2), whose answers the test sets. Streams send the current state at once and again on
 * every change, as the standard says; a state that is a ConnectError ends the stream with it.
 * It records the security header of every call and can stop and restart on the same socket.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { EventEmitter, once } from 'node:events';
import http2 from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Code, ConnectError, type HandlerContext } from '@connectrpc/connect';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { workload } from '@tspire/proto';
import { TrustDomain, type JwtBundle, type X509Svid } from '@tspire/spiffe';
import { FIXTURE_NOW, createCa, createLeaf, keyPairFor, signToken, type Issued, type KeyPair } from '@tspire/spiffe/testing';

type X509Init = MessageInitShape<typeof workload.X509SVIDResponseSchema>;
type BundlesInit = MessageInitShape<typeof workload.X509BundlesResponseSchema>;
type JwtBundlesInit = MessageInitShape<typeof workload.JWTBundlesResponseSchema>;
type JwtSvidInit = MessageInitShape<typeof workload.JWTSVIDResponseSchema>;
type ValidateInit = MessageInitShape<typeof workload.ValidateJWTSVIDResponseSchema>;

interface StreamMessages {
  x509: X509Init;
  x509Bundles: BundlesInit;
  jwtBundles: JwtBundlesInit;
}
type StreamStates = { [K in keyof StreamMessages]: StreamMessages[K] | ConnectError };

export class FakeWorkloadApi {
  readonly dir = mkdtempSync(join(tmpdir(), 'tspire-wlc-'));
  readonly socketPath = join(this.dir, 'api.sock');
  /** Listen on 127.0.0.1 (a port picked at first listen, kept across restarts) instead of the socket. */
  readonly tcp: boolean;
  #port = 0;
  /** The `workload.spiffe.io` values of every call, in order (undefined when absent). */
  readonly headers: (string | undefined)[] = [];
  /** RPC names in call order. */
  readonly calls: string[] = [];
  /** Requests FetchJWTSVID received. */
  readonly jwtRequests: { audience: string[]; spiffeId: string }[] = [];
  /** Answers FetchJWTSVID (throw a ConnectError to fail it). */
  jwtSvid: (req: workload.JWTSVIDRequest) => JwtSvidInit | Promise<JwtSvidInit> = () => {
    throw new ConnectError('no identity issued', Code.PermissionDenied);
  };
  /** Answers ValidateJWTSVID. */
  validate: (req: workload.ValidateJWTSVIDRequest) => ValidateInit | Promise<ValidateInit> = () => {
    throw new ConnectError('no identity issued', Code.PermissionDenied);
  };

  readonly #states: StreamStates = {
    x509: new ConnectError('no identity issued', Code.PermissionDenied),
    x509Bundles: new ConnectError('no identity issued', Code.PermissionDenied),
    jwtBundles: new ConnectError('no identity issued', Code.PermissionDenied),
  };
  readonly #changes = new EventEmitter();
  #server: http2.Http2Server | undefined;
  readonly #sessions = new Set<http2.ServerHttp2Session>();
  #openStreams = 0;

  constructor(options: { tcp?: boolean } = {}) {
    this.tcp = options.tcp ?? false;
    this.#changes.setMaxListeners(0);
  }

  /** The Workload API address to give a client. */
  get address(): string {
    return this.tcp ? `tcp://127.0.0.1:${this.#port}` : `unix://${this.socketPath}`;
  }

  static async start(options: { tcp?: boolean } = {}): Promise<FakeWorkloadApi> {
    const api = new FakeWorkloadApi(options);
    await api.listen();
    return api;
  }

  /** Sets a stream's state and pushes it to every open stream of that kind. */
  set<K extends keyof StreamStates>(kind: K, state: StreamStates[K]): void {
    this.#states[kind] = state;
    this.#changes.emit(kind);
  }

  /** Streams currently open. */
  get openStreams(): number {
    return this.#openStreams;
  }

  /** Resolves once `n` streams are open. */
  async waitForStreams(n: number): Promise<void> {
    while (this.#openStreams < n) await once(this.#changes, 'stream');
  }

  async listen(): Promise<void> {
    const handler = connectNodeAdapter({ grpc: true, grpcWeb: false, connect: false, routes: (router) => router.service(workload.SpiffeWorkloadAPI, this.#impl()) });
    const server = http2.createServer(handler);
    server.on('session', (session) => {
      this.#sessions.add(session);
      session.once('close', () => this.#sessions.delete(session));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      if (this.tcp) server.listen(this.#port, '127.0.0.1', () => resolve());
      else server.listen(this.socketPath, () => resolve());
    });
    if (this.tcp) this.#port = (server.address() as { port: number }).port;
    this.#server = server;
  }

  /** Stops listening and cuts every connection (streams fail on the client side). */
  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (server === undefined) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const session of this.#sessions) session.destroy();
    await closed;
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  #impl() {
    return {
      fetchX509SVID: (_req: unknown, ctx: HandlerContext) => this.#stream('FetchX509SVID', 'x509', ctx),
      fetchX509Bundles: (_req: unknown, ctx: HandlerContext) => this.#stream('FetchX509Bundles', 'x509Bundles', ctx),
      fetchJWTBundles: (_req: unknown, ctx: HandlerContext) => this.#stream('FetchJWTBundles', 'jwtBundles', ctx),
      fetchJWTSVID: async (req: workload.JWTSVIDRequest, ctx: HandlerContext) => {
        this.#record('FetchJWTSVID', ctx);
        this.jwtRequests.push({ audience: [...req.audience], spiffeId: req.spiffeId });
        return this.jwtSvid(req);
      },
      validateJWTSVID: async (req: workload.ValidateJWTSVIDRequest, ctx: HandlerContext) => {
        this.#record('ValidateJWTSVID', ctx);
        return this.validate(req);
      },
    };
  }

  #record(rpc: string, ctx: HandlerContext): void {
    this.calls.push(rpc);
    const header = ctx.requestHeader.get('workload.spiffe.io') ?? undefined;
    this.headers.push(header);
    if (header !== 'true') throw new ConnectError('security header missing from request', Code.InvalidArgument);
  }

  async *#stream<K extends keyof StreamStates>(rpc: string, kind: K, ctx: HandlerContext): AsyncGenerator<StreamMessages[K]> {
    this.#record(rpc, ctx);
    this.#openStreams++;
    this.#changes.emit('stream');
    try {
      for (;;) {
        const state = this.#states[kind];
        if (state instanceof ConnectError) throw state;
        yield state as StreamMessages[K];
        try {
          await once(this.#changes, kind, { signal: ctx.signal });
        } catch {
          return; // the client went away
        }
      }
    } finally {
      this.#openStreams--;
    }
  }
}

/** One trust domain's CA and JWT key, to build answers from. */
export interface FakeTrustDomain {
  readonly td: TrustDomain;
  readonly ca: Issued;
  readonly jwtKid: string;
  readonly jwtKeys: KeyPair;
}

export async function fakeTrustDomain(name: string): Promise<FakeTrustDomain> {
  const td = TrustDomain.parse(name);
  return { td, ca: await createCa({ uris: [td.idString()], subject: `CN=${name} CA` }), jwtKid: `${name}-k1`, jwtKeys: keyPairFor('ES256') };
}

/** An X509SVID message for `spiffe://<td><path>` issued by the domain's CA. */
export async function x509SvidMessage(domain: FakeTrustDomain, path: string, hint = ''): Promise<MessageInitShape<typeof workload.X509SVIDSchema>> {
  const spiffeId = `${domain.td.idString()}${path}`;
  const leaf = await createLeaf(domain.ca, { uris: [spiffeId] });
  return {
    spiffeId,
    x509Svid: leaf.der,
    x509SvidKey: leaf.keys.privateKey.export({ format: 'der', type: 'pkcs8' }),
    bundle: domain.ca.der,
    hint,
  };
}

/** A JWT-SVID signed by the domain's key, expiring `ttlSeconds` after `now`. */
export function jwtToken(domain: FakeTrustDomain, path: string, audience: readonly string[], now: Date = FIXTURE_NOW, ttlSeconds = 300): string {
  const iat = Math.floor(now.getTime() / 1000);
  return signToken(
    { alg: 'ES256', typ: 'JWT', kid: domain.jwtKid },
    { sub: `${domain.td.idString()}${path}`, aud: [...audience], iat, exp: iat + ttlSeconds },
    domain.jwtKeys.privateKey,
  );
}

/** The domain's JWKS, as the JWT bundles map carries it. */
export function jwksBytes(domain: FakeTrustDomain): Uint8Array {
  const jwk = domain.jwtKeys.publicKey.export({ format: 'jwk' });
  return Buffer.from(JSON.stringify({ keys: [{ ...jwk, kid: domain.jwtKid }] }));
}

export function svidIds(svids: readonly X509Svid[]): string[] {
  return svids.map((svid) => svid.id.toString());
}

export function jwtKids(bundle: JwtBundle): string[] {
  return [...bundle.jwtAuthorities().keys()];
}
