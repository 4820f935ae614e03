/**
 * The agent's client for the SPIRE server's agent-facing TCP API (ours or a real spire-server):
 * gRPC over HTTP/2 + TLS with the server identity checks of server-tls.ts, 30 s per call.
 *
 * Errors: a status the server sends (or the transport gives) is a ConnectError with its code and
 * message; `permissionDeniedReason(err)` reads SPIRE's PermissionDeniedDetails. A refused server
 * certificate is a ConnectError Unavailable whose cause is an AgentError
 * ERR_AGENT_SERVER_NOT_TRUSTED. A response that breaks the protocol is an AgentError
 * ERR_AGENT_BAD_SERVER_RESPONSE; bad options are AgentErrors ERR_AGENT_INVALID_CLIENT_OPTIONS.
 */
import type { KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { Http2SessionManager, createGrpcTransport } from '@connectrpc/connect-node';
import { agentv1, bundlev1, entryv1, svidv1, types } from '@tspire/proto';
import { TrustDomain, type X509Bundle } from '@tspire/spiffe';
import { AgentError } from '../errors.js';
import { attestAgent, checkedSvid, type AttestRequest, type AttestResult } from './attest.js';
import { createCsr, generateCsrKey } from './csr.js';
import { serverTlsConnector, serverTrustFailure, type AgentSvidCredentials } from './server-tls.js';
import { AGENT_ENTRY_OUTPUT_MASK, syncAuthorizedEntries, type SyncResult } from './sync-entries.js';

/** SPIRE's agent uses 30 s for every call to the server. */
export const DEFAULT_SERVER_CALL_TIMEOUT_MS = 30_000;

export interface ServerClientOptions {
  /** Host name or IP of the server (`server_address`). */
  serverAddress: string;
  /** `server_port` (SPIRE default 8081). */
  serverPort: number;
  /** The agent's trust domain: the server must be `spiffe://<td>/spire/server`. */
  trustDomain: string | TrustDomain;
  /**
   * The roots that verify the server; read at every new connection. `undefined` = insecure
   * bootstrap: the server's chain is not verified (only its ID); verify what you get.
   */
  trustBundle: X509Bundle | undefined;
  /** The agent SVID to present; a function is read at every new connection. */
  svid?: AgentSvidCredentials | (() => AgentSvidCredentials | undefined);
  /** Per call; default 30 s. */
  timeoutMs?: number;
  /** The time server certificates are checked at; default the system time. */
  now?: () => Date;
}

export interface JoinTokenAttestResult extends AttestResult {
  /** The key the agent SVID certifies (generated when none was given). */
  privateKey: KeyObject;
}

export interface NewX509SvidParams {
  entryId: string;
  csrDer: Uint8Array;
}

/** One BatchNewX509SVID result, in request order. */
export interface NewX509SvidResult {
  entryId: string;
  /** The per-item status (google.rpc.Code numbers, as connect's `Code`; 0 = OK, then `svid` is set). */
  status: { code: number; message: string };
  svid?: types.X509SVID;
}

export interface ServerClient {
  /** AgentService.AttestAgent: params, challenge rounds, result. */
  attest(request: AttestRequest): Promise<AttestResult>;
  /** Attests with a join token; generates a P-256 key and its CSR unless `privateKey` is given. */
  attestJoinToken(token: string, privateKey?: KeyObject): Promise<JoinTokenAttestResult>;
  /** AgentService.RenewAgent: a new agent SVID for the CSR's key. */
  renewAgent(csrDer: Uint8Array): Promise<types.X509SVID>;
  /** BundleService.GetBundle: the trust domain's bundle. */
  getBundle(): Promise<types.Bundle>;
  /** BundleService.GetFederatedBundle (agents may call it): another trust domain's bundle; NotFound when the server has none. */
  getFederatedBundle(trustDomain: string): Promise<types.Bundle>;
  /** EntryService.GetAuthorizedEntries with the agent's output mask. */
  getAuthorizedEntries(): Promise<types.Entry[]>;
  /** EntryService.SyncAuthorizedEntries (paged, incremental); `cached` = entries the agent holds. */
  syncAuthorizedEntries(cached?: Iterable<types.Entry>): Promise<SyncResult>;
  /** SVIDService.BatchNewX509SVID: per-item status and SVID, in request order. */
  batchNewX509Svid(params: readonly NewX509SvidParams[]): Promise<NewX509SvidResult[]>;
  /** SVIDService.NewJWTSVID. */
  newJwtSvid(entryId: string, audience: readonly string[]): Promise<types.JWTSVID>;
  /** AgentService.PostStatus. */
  postStatus(agentVersion: string, currentBundleSerial?: bigint): Promise<void>;
  /** Closes the HTTP/2 connection; calls in flight fail. */
  close(): void;
}

/**
 * @example
 * const client = createServerClient({ serverAddress: 'spire-server', serverPort: 8081, trustDomain: 'example.org', trustBundle });
 * const { svid, privateKey } = await client.attestJoinToken(token);
 * client.close();
 * const agentClient = createServerClient({ ...options, svid: { certChainDer: svid.certChain, privateKey } });
 * const { entries } = await agentClient.syncAuthorizedEntries();
 */
export function createServerClient(options: ServerClientOptions): ServerClient {
  const { host, port } = checkAddress(options);
  const trustDomain = parseTrustDomain(options.trustDomain);
  const timeoutMs = options.timeoutMs ?? DEFAULT_SERVER_CALL_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw invalidOption(`timeoutMs must be a positive number of milliseconds, not ${String(timeoutMs)}`);
  const svid = options.svid;
  const baseUrl = `https://${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
  const sessionManager = new Http2SessionManager(baseUrl, {}, {
    createConnection: serverTlsConnector(host, port, {
      trustDomain,
      trustBundle: options.trustBundle,
      svid: typeof svid === 'function' ? svid : () => svid,
      now: options.now ?? (() => new Date()),
    }),
  });
  const transport = createGrpcTransport({ baseUrl, sessionManager, defaultTimeoutMs: timeoutMs });
  const agent = createClient(agentv1.Agent, transport);
  const bundle = createClient(bundlev1.Bundle, transport);
  const entry = createClient(entryv1.Entry, transport);
  const svidService = createClient(svidv1.SVID, transport);

  const client: ServerClient = {
    attest: (request) => translateErrors(() => attestAgent((requests, callOptions) => agent.attestAgent(requests, callOptions), request)),
    async attestJoinToken(token, privateKey) {
      if (token === '') throw invalidOption('a join token must not be empty');
      const key = privateKey ?? (await generateCsrKey('ec-p256'));
      const result = await client.attest({ type: 'join_token', payload: new Uint8Array(Buffer.from(token, 'utf8')), csrDer: createCsr(key) });
      return { ...result, privateKey: key };
    },
    renewAgent: (csrDer) => translateErrors(async () => checkedSvid((await agent.renewAgent({ params: { csr: csrDer } })).svid, 'RenewAgent')),
    getBundle: () => translateErrors(() => bundle.getBundle({})),
    getFederatedBundle: (trustDomainName) => translateErrors(() => bundle.getFederatedBundle({ trustDomain: trustDomainName })),
    getAuthorizedEntries: () => translateErrors(async () => (await entry.getAuthorizedEntries({ outputMask: AGENT_ENTRY_OUTPUT_MASK })).entries),
    syncAuthorizedEntries: (cached) =>
      translateErrors(() => syncAuthorizedEntries((requests, callOptions) => entry.syncAuthorizedEntries(requests, callOptions), cached)),
    batchNewX509Svid: (params) =>
      translateErrors(async () => {
        const response = await svidService.batchNewX509SVID({ params: params.map((p) => ({ entryId: p.entryId, csr: p.csrDer })) });
        return batchResults(params, response.results);
      }),
    newJwtSvid: (entryId, audience) =>
      translateErrors(async () => {
        const { svid: jwtSvid } = await svidService.newJWTSVID({ entryId, audience: [...audience] });
        if (jwtSvid === undefined || jwtSvid.token === '') throw badResponse('NewJWTSVID: the server returned no token');
        return jwtSvid;
      }),
    postStatus: (agentVersion, currentBundleSerial = 0n) =>
      translateErrors(async () => {
        await agent.postStatus({ agentVersion, currentBundleSerial });
      }),
    close: () => sessionManager.abort(),
  };
  return client;
}

function batchResults(params: readonly NewX509SvidParams[], results: svidv1.BatchNewX509SVIDResponse_Result[]): NewX509SvidResult[] {
  if (results.length !== params.length) throw badResponse(`BatchNewX509SVID: ${results.length} results for ${params.length} requests`);
  return results.map((result, i) => {
    const entryId = params[i]!.entryId;
    const code = result.status?.code ?? Code.Unknown;
    const status = { code, message: result.status?.message ?? 'missing status' };
    if (code !== 0) return { entryId, status };
    return { entryId, status, svid: checkedSvid(result.svid, `BatchNewX509SVID entry "${entryId}"`) };
  });
}

/** A refused server certificate becomes Unavailable with the reason (cause: the AgentError). */
async function translateErrors<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    const failure = trustFailureIn(err);
    if (failure !== undefined) throw new ConnectError(failure.message, Code.Unavailable, undefined, undefined, failure);
    throw err;
  }
}

function trustFailureIn(err: unknown): AgentError | undefined {
  const seen = new Set<unknown>();
  for (let current = err; current instanceof Error && !seen.has(current); current = current.cause) {
    seen.add(current);
    const failure = serverTrustFailure(current);
    if (failure !== undefined) return failure;
  }
  return undefined;
}

/**
 * The PermissionDeniedDetails reason SPIRE attaches when the agent itself is refused
 * (expired, not attested, not active, banned, must re-attest); undefined otherwise.
 * @example
 * if (permissionDeniedReason(err) === PermissionDeniedReason.AGENT_BANNED) shutDown();
 */
export function permissionDeniedReason(err: unknown): types.PermissionDeniedDetails_Reason | undefined {
  if (!(err instanceof ConnectError) || err.code !== Code.PermissionDenied) return undefined;
  return err.findDetails(types.PermissionDeniedDetailsSchema)[0]?.reason;
}

function checkAddress(options: ServerClientOptions): { host: string; port: number } {
  const host = options.serverAddress;
  if (typeof host !== 'string' || host === '' || /[\s/@]/.test(host)) throw invalidOption(`invalid server address ${JSON.stringify(host)}`);
  const port = options.serverPort;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw invalidOption(`invalid server port ${String(port)} (1-65535)`);
  return { host: host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host, port };
}

function parseTrustDomain(trustDomain: string | TrustDomain): TrustDomain {
  if (trustDomain instanceof TrustDomain) return trustDomain;
  try {
    return TrustDomain.parse(trustDomain);
  } catch (err) {
    throw new AgentError('ERR_AGENT_INVALID_CLIENT_OPTIONS', `invalid trust domain ${JSON.stringify(trustDomain)}: ${(err as Error).message}`, { cause: err });
  }
}

function invalidOption(message: string): AgentError {
  return new AgentError('ERR_AGENT_INVALID_CLIENT_OPTIONS', message);
}

function badResponse(message: string): AgentError {
  return new AgentError('ERR_AGENT_BAD_SERVER_RESPONSE', message);
}
