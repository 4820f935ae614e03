/**
 * The spiffe-helper loop: watches the Workload API and keeps the configured files current.
 * Daemon mode watches X.509 contexts and JWT bundles, refreshes each JWT-SVID at half its
 * remaining lifetime plus one second, and notifies the consumer (launch `cmd`, then
 * `renew_signal`) once every output has been written and after each later write. One-shot mode
 * writes every output once and returns, or fails when something does not arrive in time.
 */
import { nullLogger, type Clock, type Logger } from '@tspire/common';
import type { JwtBundleSet } from '@tspire/spiffe';
import type { WorkloadApiClient, X509Context } from '@tspire/workload';
import type { HelperConfig } from './config.js';
import type { FileWriter } from './file-writer.js';
import { jwtBundleFileContent, jwtRefreshDelayMs, x509Contents } from './output-content.js';
import type { ProcessNotifier } from './process-notifier.js';

export interface HelperDeps {
  readonly client: WorkloadApiClient;
  readonly clock: Clock;
  readonly writeFile: FileWriter;
  readonly notifier: ProcessNotifier;
  readonly logger?: Logger;
}

/** How long one-shot mode waits for each output by default. */
export const DEFAULT_ONE_SHOT_TIMEOUT_MS = 30_000;
/** JWT-SVID fetch retries back off from 1 s to 30 s. */
const JWT_RETRY_MIN_MS = 1000;
const JWT_RETRY_MAX_MS = 30_000;

/** One output's state, for logs and health checks. */
export interface OutputStatus {
  written: boolean;
  lastError: string | undefined;
}

export class SpiffeHelper {
  private readonly logger: Logger;
  private readonly status = new Map<string, OutputStatus>();
  private notifiedOnce = false;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly config: HelperConfig,
    private readonly deps: HelperDeps,
  ) {
    this.logger = deps.logger ?? nullLogger;
    if (config.x509 !== undefined) this.status.set('x509_svid', { written: false, lastError: undefined });
    if (config.jwtBundleFile !== undefined) this.status.set('jwt_bundle', { written: false, lastError: undefined });
    config.jwtSvids.forEach((_, i) => this.status.set(`jwt_svid[${i}]`, { written: false, lastError: undefined }));
  }

  /** Every output, by name (x509_svid, jwt_bundle, jwt_svid[i]). */
  outputs(): ReadonlyMap<string, Readonly<OutputStatus>> {
    return this.status;
  }

  /** Every output has been written at least once. */
  get ready(): boolean {
    return [...this.status.values()].every((s) => s.written);
  }

  /** No output's latest attempt failed. */
  get live(): boolean {
    return [...this.status.values()].every((s) => s.lastError === undefined);
  }

  /** Daemon mode: runs until `signal` aborts. */
  async runDaemon(signal: AbortSignal): Promise<void> {
    const { client } = this.deps;
    const tasks: Promise<void>[] = [];
    if (this.config.x509 !== undefined) {
      const watcher = { onUpdate: (ctx: X509Context) => void this.onX509(ctx), onError: (err: Error) => this.failed('x509_svid', err) };
      tasks.push(client.watchX509Context(watcher, { signal }));
    }
    if (this.config.jwtBundleFile !== undefined) {
      const watcher = { onUpdate: (bundles: JwtBundleSet) => void this.onJwtBundles(bundles), onError: (err: Error) => this.failed('jwt_bundle', err) };
      tasks.push(client.watchJwtBundles(watcher, { signal }));
    }
    this.config.jwtSvids.forEach((_, i) => tasks.push(this.refreshJwtSvid(i, signal)));
    await Promise.all(tasks);
  }

  /** One-shot mode: writes every output once; rejects naming what did not arrive within `timeoutMs`. */
  async runOnce(timeoutMs = DEFAULT_ONE_SHOT_TIMEOUT_MS): Promise<void> {
    const { client } = this.deps;
    const deadline = new AbortController();
    const cancelTimer = this.deps.clock.after(timeoutMs, () => deadline.abort(new Error('timeout')));
    try {
      const tasks: Promise<void>[] = [];
      if (this.config.x509 !== undefined) {
        tasks.push(this.firstOf<X509Context>('x509_svid', deadline.signal, (w, o) => client.watchX509Context(w, o), (ctx) => this.onX509(ctx)));
      }
      if (this.config.jwtBundleFile !== undefined) {
        tasks.push(this.firstOf<JwtBundleSet>('jwt_bundle', deadline.signal, (w, o) => client.watchJwtBundles(w, o), (b) => this.onJwtBundles(b)));
      }
      this.config.jwtSvids.forEach((_, i) => tasks.push(this.fetchJwtSvidUntil(i, deadline.signal)));
      await Promise.all(tasks);
      const missing = [...this.status].filter(([, s]) => !s.written);
      if (missing.length > 0) {
        const detail = missing.map(([name, s]) => `${name}${s.lastError === undefined ? '' : ` (last error: ${s.lastError})`}`).join(', ');
        throw new Error(`nothing received from the Workload API at ${this.config.agentAddress} within ${timeoutMs / 1000}s for: ${detail}`);
      }
    } finally {
      cancelTimer();
      deadline.abort();
    }
  }

  private async onJwtBundles(bundles: JwtBundleSet): Promise<void> {
    const file = this.config.jwtBundleFile;
    if (file !== undefined) await this.write('jwt_bundle', [[file, jwtBundleFileContent(bundles), this.config.jwtBundleFileMode]]);
  }

  /** Watches until the first successful write of `name` (or the deadline). */
  private async firstOf<T>(
    name: string,
    deadline: AbortSignal,
    watch: (watcher: { onUpdate(v: T): void; onError(e: Error): void }, options: { signal: AbortSignal }) => Promise<void>,
    handle: (value: T) => Promise<void>,
  ): Promise<void> {
    const done = new AbortController();
    const stop = (): void => done.abort();
    deadline.addEventListener('abort', stop, { once: true });
    if (deadline.aborted) stop();
    await watch(
      {
        onUpdate: (value) => void handle(value).then(() => this.status.get(name)?.written === true && stop()),
        onError: (err) => this.failed(name, err),
      },
      { signal: done.signal },
    ).catch((err: unknown) => this.failed(name, err as Error));
    deadline.removeEventListener('abort', stop);
  }

  private async onX509(context: X509Context): Promise<void> {
    const files = this.config.x509;
    if (files === undefined) return;
    let contents;
    try {
      contents = x509Contents(context, this.config, this.deps.clock.now());
    } catch (err) {
      this.failed('x509_svid', err as Error);
      return;
    }
    const { certFileMode, keyFileMode } = this.config;
    const written = await this.write('x509_svid', [
      [files.svid, contents.certificates, certFileMode],
      [files.key, contents.privateKey, keyFileMode],
      [files.bundle, contents.bundle, certFileMode],
    ]);
    if (written) this.logger.info('X.509 certificates updated', { spiffe_id: contents.svid.id.toString(), expires_at: contents.svid.expiresAt.toISOString() });
  }

  /** Daemon loop of one JWT-SVID: fetch, write, sleep until half its remaining life (+1 s). */
  private async refreshJwtSvid(index: number, signal: AbortSignal): Promise<void> {
    let retryMs = JWT_RETRY_MIN_MS;
    while (!signal.aborted) {
      const expiry = await this.fetchJwtSvid(index, signal);
      const now = this.deps.clock.now();
      let delay: number;
      if (expiry === undefined) {
        delay = retryMs;
        retryMs = Math.min(retryMs * 2, JWT_RETRY_MAX_MS);
      } else {
        delay = jwtRefreshDelayMs(expiry, now);
        retryMs = JWT_RETRY_MIN_MS;
      }
      await this.deps.clock.sleep(delay, signal).catch(() => undefined);
    }
  }

  /** One-shot: fetch with retries until one JWT-SVID is written or the deadline passes. */
  private async fetchJwtSvidUntil(index: number, deadline: AbortSignal): Promise<void> {
    let retryMs = JWT_RETRY_MIN_MS;
    while (!deadline.aborted) {
      if ((await this.fetchJwtSvid(index, deadline)) !== undefined) return;
      await this.deps.clock.sleep(retryMs, deadline).catch(() => undefined);
      retryMs = Math.min(retryMs * 2, JWT_RETRY_MAX_MS);
    }
  }

  /** Fetches and writes one JWT-SVID; resolves with its expiry, or undefined on failure. */
  private async fetchJwtSvid(index: number, signal: AbortSignal): Promise<Date | undefined> {
    const entry = this.config.jwtSvids[index];
    if (entry === undefined) return undefined;
    const name = `jwt_svid[${index}]`;
    try {
      const svid = await this.deps.client.fetchJwtSvid({ audience: entry.audience, extraAudiences: entry.extraAudiences }, { signal });
      const written = await this.write(name, [[entry.file, svid.token, this.config.jwtSvidFileMode]]);
      if (written) this.logger.info('JWT-SVID updated', { audience: entry.audience, spiffe_id: svid.id.toString(), expires_at: svid.expiry.toISOString() });
      return written ? svid.expiry : undefined;
    } catch (err) {
      if (!signal.aborted) this.failed(name, err as Error);
      return undefined;
    }
  }

  /** Writes the files of one output, then notifies the consumer. Resolves false on failure. */
  private write(name: string, files: readonly (readonly [string, string, number])[]): Promise<boolean> {
    // One write at a time: a quick second update must not interleave with the first.
    const result = this.writing.then(() => this.writeNow(name, files));
    this.writing = result.then(() => undefined);
    return result;
  }

  private async writeNow(name: string, files: readonly (readonly [string, string, number])[]): Promise<boolean> {
    try {
      for (const [path, data, mode] of files) await this.deps.writeFile(path, data, mode);
    } catch (err) {
      this.failed(name, err as Error);
      return false;
    }
    const status = this.status.get(name);
    if (status !== undefined) {
      status.written = true;
      status.lastError = undefined;
    }
    if (this.config.daemonMode && this.ready) {
      this.notifiedOnce = true;
      await this.deps.notifier.notify();
    }
    return true;
  }

  /** Whether the consumer has been launched or signalled at least once. */
  get notified(): boolean {
    return this.notifiedOnce;
  }

  private failed(name: string, err: Error): void {
    const status = this.status.get(name);
    if (status !== undefined) status.lastError = err.message;
    this.logger.error('Unable to update', { output: name, error: err.message });
  }
}
