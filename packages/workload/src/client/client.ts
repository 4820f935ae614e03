/**
 * The Workload API client (go-spiffe's workloadapi.Client): all five RPCs of the standard over
 * gRPC, the `workload.spiffe.io: true` header on every call, answers parsed into
 * @tspire/spiffe values, watches that reconnect with backoff, AbortSignal and close().
 */
import { createClient, type Client, type Transport } from '@connectrpc/connect';
import { workload } from '@tspire/proto';
import { ExponentialBackoff, nullLogger, systemClock, type Backoff, type Clock, type Logger } from '@tspire/common';
import { SpiffeId, type JwtBundleSet, type JwtSvid, type X509BundleSet, type X509Svid } from '@tspire/spiffe';
import { formatWorkloadAddress, resolveWorkloadAddress } from '../address/address.js';
import { WorkloadError } from '../errors.js';
import { parseJwtBundlesResponse, parseJwtSvidResponse, parseValidateResponse, parseX509BundlesResponse, parseX509SvidResponse } from './parse.js';
import { toWorkloadError } from './rpc-error.js';
import { createWorkloadTransport } from './transport.js';
import type { CallOptions, JwtSvidParams, Watcher, WorkloadApiClient, X509Context } from './types.js';
import { runWatch } from './watch.js';

/**
 * The metadata every Workload API call carries (the server answers INVALID_ARGUMENT without it).
 * @example headers.set(SECURITY_HEADER, 'true');
 */
export const SECURITY_HEADER = 'workload.spiffe.io';

/**
 * Options of createWorkloadApiClient.
 * @example createWorkloadApiClient({ address: 'tcp://127.0.0.1:8000', logger, clock: systemClock });
 */
export interface WorkloadApiClientOptions {
  /** `unix:///path` or `tcp://IP:port`; default SPIFFE_ENDPOINT_SOCKET from `env`. Ignored with `transport`. */
  readonly address?: string;
  /** Where SPIFFE_ENDPOINT_SOCKET is read; default process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** A connect transport to use instead of dialing `address` (tests: createRouterTransport). Not closed by close(). */
  readonly transport?: Transport;
  readonly logger?: Logger;
  /** Times the waits between watch retries; default the system clock. Also `now` for JWT checks. */
  readonly clock?: Clock;
  /** Makes the retry policy of one watch; default exponential from ~1 s up to 30 s with jitter. */
  readonly backoff?: () => Backoff;
}

/**
 * The default watch retry policy: the n-th wait is in [c/2, c) where c = min(30 s, 1 s * 2^n).
 * @example const client = createWorkloadApiClient({ backoff: defaultWatchBackoff });
 */
export function defaultWatchBackoff(): Backoff {
  // ExponentialBackoff jitters over [0, c); mapping random into [0.5, 1) keeps a floor, so a flapping agent is not hammered.
  return new ExponentialBackoff({ initialMs: 1000, maxMs: 30_000, random: () => 0.5 + Math.random() / 2 });
}

/**
 * Creates a client. Nothing is dialed until the first call; a bad or missing address throws here.
 * @throws WorkloadError ERR_WORKLOAD_ADDRESS_* for the address.
 * @example
 * const client = createWorkloadApiClient({ address: 'unix:///tmp/spire-agent/public/api.sock' });
 * const svid = await client.fetchX509Svid({ timeoutMs: 5000 });
 * console.log(svid.id.toString());
 * client.close();
 */
export function createWorkloadApiClient(options: WorkloadApiClientOptions = {}): WorkloadApiClient {
  if (options.transport !== undefined) return new WorkloadApiClientImpl(options.transport, undefined, options);
  const address = resolveWorkloadAddress(options.address, options.env ?? process.env);
  const owned = createWorkloadTransport(address);
  (options.logger ?? nullLogger).debug('Workload API client created', { address: formatWorkloadAddress(address) });
  return new WorkloadApiClientImpl(owned.transport, owned.close, options);
}

type Api = Client<typeof workload.SpiffeWorkloadAPI>;

/** What each generated method receives: the signal, the security header and an optional deadline. */
interface RpcOptions {
  readonly signal: AbortSignal;
  readonly headers: Record<string, string>;
  readonly timeoutMs?: number;
}

class WorkloadApiClientImpl implements WorkloadApiClient {
  readonly #api: Api;
  readonly #closeTransport: (() => void) | undefined;
  readonly #closer = new AbortController();
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #backoff: () => Backoff;

  constructor(transport: Transport, closeTransport: (() => void) | undefined, options: WorkloadApiClientOptions) {
    this.#api = createClient(workload.SpiffeWorkloadAPI, transport);
    this.#closeTransport = closeTransport;
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger ?? nullLogger;
    this.#backoff = options.backoff ?? defaultWatchBackoff;
  }

  async fetchX509Context(options?: CallOptions): Promise<X509Context> {
    return this.#first('FetchX509SVID', options, (o) => this.#api.fetchX509SVID({}, o), parseX509SvidResponse);
  }

  async fetchX509Svid(options?: CallOptions): Promise<X509Svid> {
    return (await this.fetchX509Context(options)).svids[0]!;
  }

  async fetchX509Svids(options?: CallOptions): Promise<X509Svid[]> {
    return [...(await this.fetchX509Context(options)).svids];
  }

  watchX509Context(watcher: Watcher<X509Context>, options?: CallOptions): Promise<void> {
    return this.#watch('FetchX509SVID', watcher, options, (o) => this.#api.fetchX509SVID({}, o), parseX509SvidResponse);
  }

  fetchX509Bundles(options?: CallOptions): Promise<X509BundleSet> {
    return this.#first('FetchX509Bundles', options, (o) => this.#api.fetchX509Bundles({}, o), parseX509BundlesResponse);
  }

  watchX509Bundles(watcher: Watcher<X509BundleSet>, options?: CallOptions): Promise<void> {
    return this.#watch('FetchX509Bundles', watcher, options, (o) => this.#api.fetchX509Bundles({}, o), parseX509BundlesResponse);
  }

  async fetchJwtSvid(params: JwtSvidParams, options?: CallOptions): Promise<JwtSvid> {
    const svids = await this.fetchJwtSvids(params, options);
    if (params.spiffeId === undefined) return svids[0]!;
    const wanted = String(params.spiffeId);
    const match = svids.find((svid) => svid.id.toString() === wanted);
    if (match === undefined) throw new WorkloadError('ERR_WORKLOAD_SVID_NOT_FOUND', `FetchJWTSVID: the answer holds no JWT-SVID for ${JSON.stringify(wanted)}`);
    return match;
  }

  async fetchJwtSvids(params: JwtSvidParams, options?: CallOptions): Promise<JwtSvid[]> {
    const { audience, spiffeId } = checkJwtParams(params);
    const response = await this.#unary('FetchJWTSVID', options, (o) => this.#api.fetchJWTSVID({ audience, spiffeId }, o));
    return parseJwtSvidResponse(response, audience, this.#clock.now());
  }

  fetchJwtBundles(options?: CallOptions): Promise<JwtBundleSet> {
    return this.#first('FetchJWTBundles', options, (o) => this.#api.fetchJWTBundles({}, o), parseJwtBundlesResponse);
  }

  watchJwtBundles(watcher: Watcher<JwtBundleSet>, options?: CallOptions): Promise<void> {
    return this.#watch('FetchJWTBundles', watcher, options, (o) => this.#api.fetchJWTBundles({}, o), parseJwtBundlesResponse);
  }

  async validateJwtSvid(token: string, audience: string, options?: CallOptions): Promise<JwtSvid> {
    if (typeof token !== 'string' || token === '') throw new WorkloadError('ERR_WORKLOAD_BAD_REQUEST', 'ValidateJWTSVID: the token is empty');
    if (typeof audience !== 'string' || audience === '') throw new WorkloadError('ERR_WORKLOAD_BAD_REQUEST', 'ValidateJWTSVID: the audience is empty');
    const response = await this.#unary('ValidateJWTSVID', options, (o) => this.#api.validateJWTSVID({ audience, svid: token }, o));
    return parseValidateResponse(response, token, audience, this.#clock.now());
  }

  close(): void {
    if (this.#closer.signal.aborted) return;
    this.#closer.abort(new WorkloadError('ERR_WORKLOAD_CLOSED', 'the Workload API client is closed'));
    this.#closeTransport?.();
  }

  get #closed(): boolean {
    return this.#closer.signal.aborted;
  }

  #checkOpen(rpc: string): void {
    if (this.#closed) throw new WorkloadError('ERR_WORKLOAD_CLOSED', `${rpc}: the Workload API client is closed`);
  }

  #connectOptions(signal: AbortSignal, options: CallOptions | undefined): RpcOptions {
    const base = { signal, headers: { [SECURITY_HEADER]: 'true' } };
    return options?.timeoutMs === undefined ? base : { ...base, timeoutMs: options.timeoutMs };
  }

  #state(options: CallOptions | undefined) {
    return { closed: () => this.#closed, signal: options?.signal };
  }

  async #unary<R>(rpc: string, options: CallOptions | undefined, call: (o: RpcOptions) => Promise<R>): Promise<R> {
    this.#checkOpen(rpc);
    const signal = anySignal(this.#closer.signal, options?.signal);
    try {
      return await call(this.#connectOptions(signal, options));
    } catch (err) {
      throw toWorkloadError(err, rpc, this.#state(options));
    }
  }

  /** The first message of a stream, then the stream is cancelled. */
  async #first<M, T>(rpc: string, options: CallOptions | undefined, open: (o: RpcOptions) => AsyncIterable<M>, parse: (m: M) => T): Promise<T> {
    this.#checkOpen(rpc);
    const done = new AbortController();
    const signal = anySignal(this.#closer.signal, options?.signal, done.signal);
    let message: M | undefined;
    try {
      for await (const received of open(this.#connectOptions(signal, options))) {
        message = received;
        break;
      }
    } catch (err) {
      throw toWorkloadError(err, rpc, this.#state(options));
    } finally {
      done.abort();
    }
    if (message === undefined) throw new WorkloadError('ERR_WORKLOAD_API_UNAVAILABLE', `${rpc}: the Workload API ended the stream before its first message`);
    return parse(message);
  }

  async #watch<M, T>(rpc: string, watcher: Watcher<T>, options: CallOptions | undefined, open: (o: RpcOptions) => AsyncIterable<M>, parse: (m: M) => T): Promise<void> {
    this.#checkOpen(rpc);
    const signal = anySignal(this.#closer.signal, options?.signal);
    // timeoutMs bounds single calls, not a watch's lifetime: streams are opened without it.
    await runWatch({
      rpc,
      open: (attempt) => open(this.#connectOptions(attempt, undefined)),
      parse,
      watcher,
      signal,
      state: this.#state(options),
      clock: this.#clock,
      backoff: this.#backoff(),
      logger: this.#logger,
    });
  }
}

function anySignal(...signals: (AbortSignal | undefined)[]): AbortSignal {
  return AbortSignal.any(signals.filter((s): s is AbortSignal => s !== undefined));
}

/** The audiences (first, then extras) and the SPIFFE ID to send, checked before any call. */
function checkJwtParams(params: JwtSvidParams): { audience: string[]; spiffeId: string } {
  const audience = [params?.audience, ...(params?.extraAudiences ?? [])];
  if (typeof params?.audience !== 'string' || params.audience === '') {
    throw new WorkloadError('ERR_WORKLOAD_BAD_REQUEST', 'FetchJWTSVID: an audience is required');
  }
  audience.forEach((value, i) => {
    if (typeof value !== 'string' || value === '') throw new WorkloadError('ERR_WORKLOAD_BAD_REQUEST', `FetchJWTSVID: extraAudiences[${i - 1}] must be a non-empty string`);
  });
  if (params.spiffeId === undefined) return { audience: audience as string[], spiffeId: '' };
  try {
    return { audience: audience as string[], spiffeId: SpiffeId.parse(String(params.spiffeId)).toString() };
  } catch (cause) {
    throw new WorkloadError('ERR_WORKLOAD_BAD_REQUEST', `FetchJWTSVID: spiffeId is not a SPIFFE ID: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}
