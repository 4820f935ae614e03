/**
 * Workload API clients for the agent e2e tests, all over the agent's real UNIX socket:
 * - fetchX509: `spire-agent api fetch x509 -output json` as a separate process, optionally as
 *   another uid (setpriv) or placed into a cgroup before it connects;
 * - X509Stream: an open FetchX509SVID stream (connect client from @tspire/proto) recording
 *   every message with its arrival time;
 * - pollUntil: retry with a deadline instead of sleeping for time.
 */
import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';
import { createClient, type Interceptor } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { workload } from '@tspire/proto';
import { bins, type RunResult } from './processes.js';

/** `fn` until it returns something other than undefined; throws `describe()` after `timeoutMs`. */
export async function pollUntil<T>(fn: () => Promise<T | undefined> | T | undefined, timeoutMs: number, describe: () => string, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${describe()}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export interface RunAs {
  readonly uid: number;
  readonly gid: number;
}

export interface FetchOptions {
  /** Drop to this uid/gid (no supplementary groups) with setpriv. */
  readonly as?: RunAs;
  /** Called with the pid before the client runs (e.g. to move it into a cgroup). */
  readonly beforeExec?: (pid: number) => void;
  readonly timeoutMs?: number;
}

/** The SVIDs of one `api fetch x509 -output json` (protojson of X509SVIDResponse). */
export interface FetchedSvid {
  readonly spiffeId: string;
  /** The leaf certificate. */
  readonly leaf: X509Certificate;
}

export interface FetchResult extends RunResult {
  /** Present when the command succeeded. */
  readonly svids?: readonly FetchedSvid[];
}

/** Runs `spire-agent api fetch x509 -output json -socketPath <socket>` as a new process. */
export async function fetchX509(socketPath: string, options: FetchOptions = {}): Promise<FetchResult> {
  const cli = [process.execPath, bins.spireAgent, 'api', 'fetch', 'x509', '-socketPath', socketPath, '-output', 'json', '-timeout', '5s'];
  const argv = options.as === undefined ? cli : ['setpriv', `--reuid=${options.as.uid}`, `--regid=${options.as.gid}`, '--clear-groups', ...cli];
  // `read` holds the process until beforeExec has run; exec keeps the pid (and its cgroup).
  const child = spawn('/bin/sh', ['-c', 'read _go && exec "$@"', 'sh', ...argv], { stdio: ['pipe', 'pipe', 'pipe'], cwd: '/' });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const closed = once(child, 'close') as Promise<[number | null, NodeJS.Signals | null]>;
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
  try {
    if (child.pid === undefined) throw new Error('could not spawn /bin/sh');
    options.beforeExec?.(child.pid);
    child.stdin.end('go\n');
  } catch (err) {
    child.kill('SIGKILL');
    await closed;
    clearTimeout(timer);
    throw err;
  }
  const [code, signal] = await closed;
  clearTimeout(timer);
  const result: RunResult = { code, signal, stdout, stderr };
  if (code !== 0) return result;
  return { ...result, svids: parseFetchJson(stdout) };
}

function parseFetchJson(stdout: string): FetchedSvid[] {
  const json = JSON.parse(stdout) as { svids?: { spiffe_id?: string; x509_svid?: string }[] };
  return (json.svids ?? []).map((svid) => ({
    spiffeId: svid.spiffe_id ?? '',
    leaf: new X509Certificate(Buffer.from(svid.x509_svid ?? '', 'base64')),
  }));
}

/** The SPIFFE IDs of a successful fetch, sorted; throws with the output when it failed. */
export function fetchedIds(result: FetchResult): string[] {
  if (result.svids === undefined) throw new Error(`api fetch x509 failed (exit ${result.code ?? result.signal}): ${result.stdout}${result.stderr}`);
  return result.svids.map((s) => s.spiffeId).sort();
}

export interface StreamMessage {
  /** Date.now() when the message arrived. */
  readonly atMs: number;
  readonly ids: readonly string[];
  /** Leaf certificate per SPIFFE ID. */
  readonly leaves: ReadonlyMap<string, X509Certificate>;
}

/** An open FetchX509SVID stream; every message is kept in `messages`. */
export class X509Stream {
  readonly messages: StreamMessage[] = [];
  error: unknown;
  ended = false;
  readonly #abort = new AbortController();
  readonly #sockets = new Set<net.Socket>();

  constructor(socketPath: string) {
    const header: Interceptor = (next) => (req) => {
      req.header.set('workload.spiffe.io', 'true');
      return next(req);
    };
    const transport = createGrpcTransport({
      baseUrl: 'http://localhost',
      interceptors: [header],
      nodeOptions: {
        createConnection: () => {
          const socket = net.connect(socketPath);
          this.#sockets.add(socket);
          return socket;
        },
      },
    });
    const client = createClient(workload.SpiffeWorkloadAPI, transport);
    void (async () => {
      try {
        for await (const response of client.fetchX509SVID({}, { signal: this.#abort.signal })) {
          const leaves = new Map<string, X509Certificate>();
          for (const svid of response.svids) leaves.set(svid.spiffeId, firstCertificate(svid.x509Svid));
          this.messages.push({ atMs: Date.now(), ids: response.svids.map((s) => s.spiffeId).sort(), leaves });
        }
      } catch (err) {
        if (!this.#abort.signal.aborted) this.error = err;
      } finally {
        this.ended = true;
      }
    })();
  }

  /** The first message from index `from` on that satisfies `predicate` (waits up to `timeoutMs`). */
  async next(from: number, predicate: (m: StreamMessage) => boolean, timeoutMs: number, what: string): Promise<{ message: StreamMessage; index: number }> {
    return pollUntil(
      () => {
        const index = this.messages.findIndex((m, i) => i >= from && predicate(m));
        if (index >= 0) return { message: this.messages[index]!, index };
        if (this.ended) throw new Error(`the stream ended before ${what}: ${String(this.error)}`);
        return undefined;
      },
      timeoutMs,
      () => `${what}; messages so far: ${JSON.stringify(this.messages.map((m) => m.ids))}`,
      25,
    );
  }

  close(): void {
    this.#abort.abort();
    for (const socket of this.#sockets) socket.destroy();
  }
}

/** The leaf of a concatenated DER chain (X509SVID.x509_svid). */
function firstCertificate(chain: Uint8Array): X509Certificate {
  return new X509Certificate(Buffer.from(chain));
}
