/**
 * What the server CLI needs from the outside world, injected so tests run it in-process:
 * output streams, environment, stdin and files, the clock, the time zone and the socket dialer.
 */
import { readFile } from 'node:fs/promises';
import { connectAdminSocket, type AdminConnector } from '../admin-client.js';
import type { TimeZoneMode } from '../output/go-time.js';
import type { Environment } from '../socket-path.js';

/** Anything text can be written to (process.stdout, a test buffer). */
export interface TextSink {
  write(text: string): unknown;
}

export interface ServerCliDeps {
  readonly stdout: TextSink;
  readonly stderr: TextSink;
  readonly env?: Environment;
  /** All of stdin (for `-data -`, `-file -`, `bundle set` without -path). */
  readonly readStdin?: () => Promise<Uint8Array>;
  readonly readFile?: (path: string) => Promise<Uint8Array>;
  readonly now?: () => Date;
  /** Zone for agent expiry times; SPIRE prints them in local time. */
  readonly timeZone?: TimeZoneMode;
  /** Printed by -v/-version/--version. */
  readonly version?: string;
  readonly connect?: AdminConnector;
}

export type ResolvedDeps = Required<ServerCliDeps>;

/** The SPIRE release whose CLI this one mirrors (printed by `-version`). */
export const SPIRE_COMPAT_VERSION = '1.15.3';

async function readProcessStdin(): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return new Uint8Array(Buffer.concat(chunks));
}

/** Fills in defaults: process env and stdin, node:fs, the real clock, local time, the UNIX socket. */
export function resolveDeps(deps: ServerCliDeps): ResolvedDeps {
  return {
    stdout: deps.stdout,
    stderr: deps.stderr,
    env: deps.env ?? process.env,
    readStdin: deps.readStdin ?? readProcessStdin,
    readFile: deps.readFile ?? (async (path) => new Uint8Array(await readFile(path))),
    now: deps.now ?? (() => new Date()),
    timeZone: deps.timeZone ?? 'local',
    version: deps.version ?? SPIRE_COMPAT_VERSION,
    connect: deps.connect ?? connectAdminSocket,
  };
}
