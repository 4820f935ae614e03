/**
 * Turns a command spec into a CliCommand the way SPIRE's agent `api` adapter does: Go-style
 * flags plus `-socketPath`, `-instance`, `-timeout` (5s) and `-output`; a lazily dialed
 * Workload API connection; errors printed bare on stderr with exit code 1.
 */
import { defineFlags, HelpRequested, isTspireError, parseGoDuration, TspireError, type FlagSpecs, type FlagValues } from '@tspire/common';
import { describeError } from '../output/rpc-error.js';
import { parseOutputFlag, type OutputMode } from '../server-cli/output-flag.js';
import type { WorkloadConnection } from '../workload-client.js';
import type { AgentCommandFactory, CliCommand } from './command.js';
import type { ResolvedAgentDeps } from './deps.js';
import { AGENT_SOCKET_FLAGS, resolveAgentSocketPath } from './socket-path.js';

/** SPIRE's default `-timeout`. */
export const DEFAULT_TIMEOUT = '5s';

export interface WorkloadContext<S extends FlagSpecs> {
  readonly flags: FlagValues<S>;
  readonly given: ReadonlySet<string>;
  readonly output: OutputMode;
  /** Milliseconds per call; 0 = no deadline. */
  readonly timeoutMs: number;
  readonly socketPath: string;
  readonly deps: ResolvedAgentDeps;
  /** The connection, dialed on first use. */
  connection(): WorkloadConnection;
  out(text: string): void;
  err(text: string): void;
}

export interface WorkloadCommandSpec<S extends FlagSpecs> {
  /** The FlagSet name shown in usage (`fetch x509`, as SPIRE names it). */
  readonly name: string;
  readonly synopsis: string;
  readonly flags: S;
  /** Adds `-output` (and, for `fetch jwt`, its deprecated alias `-format`). */
  readonly output: 'none' | 'output' | 'output+format';
  /** Adds `-timeout` (every `api` command except watch). */
  readonly timeout: boolean;
  /** Appends Go's `flag: help requested` to the help text (commands whose Help returns the parse error). */
  readonly helpRequestedLine?: boolean;
  /** Does the work; resolves to the exit code, or throws to print the bare message and exit 1. */
  run(ctx: WorkloadContext<S>): Promise<number | void>;
}

const OUTPUT_USAGE = 'Desired output format (pretty, json); default: pretty.';

function commonFlags(spec: WorkloadCommandSpec<FlagSpecs>): FlagSpecs {
  return {
    ...AGENT_SOCKET_FLAGS,
    ...(spec.timeout ? { timeout: { kind: 'string', default: DEFAULT_TIMEOUT, usage: 'Time to wait for a response' } } : {}),
    ...(spec.output !== 'none' ? { output: { kind: 'stringList', usage: OUTPUT_USAGE } } : {}),
    ...(spec.output === 'output+format' ? { format: { kind: 'stringList', usage: 'deprecated; use -output' } } : {}),
  } as FlagSpecs;
}

/** A registry factory for one Workload API command. */
export function workloadCommand<S extends FlagSpecs>(spec: WorkloadCommandSpec<S>): AgentCommandFactory {
  return (deps) => new WorkloadCommand(spec, deps);
}

class WorkloadCommand<S extends FlagSpecs> implements CliCommand {
  readonly synopsis: string;
  readonly #flagSet;

  constructor(
    private readonly spec: WorkloadCommandSpec<S>,
    private readonly deps: ResolvedAgentDeps,
  ) {
    this.synopsis = spec.synopsis;
    this.#flagSet = defineFlags({ ...spec.flags, ...commonFlags(spec as unknown as WorkloadCommandSpec<FlagSpecs>) });
  }

  #usage(): string {
    // SPIRE's -timeout is a custom flag.Value: Go shows it as `value` with an unquoted default.
    const flags = this.#flagSet
      .usage()
      .replace(`  -timeout string\n    \tTime to wait for a response (default "${DEFAULT_TIMEOUT}")`, `  -timeout value\n    \tTime to wait for a response (default ${DEFAULT_TIMEOUT})`);
    return `Usage of ${this.spec.name}:\n${flags}`;
  }

  help(): string {
    return this.spec.helpRequestedLine === true ? `${this.#usage()}flag: help requested` : this.#usage();
  }

  async run(args: readonly string[]): Promise<number> {
    const err = (text: string): void => void this.deps.stderr.write(text);
    let parsed;
    let output: OutputMode = 'pretty';
    let timeoutMs = 0;
    try {
      parsed = this.#flagSet.parse(args);
      const values = parsed.values as Record<string, unknown>;
      if (this.spec.output !== 'none') {
        output = parseOutputFlag([...((values['output'] as string[] | undefined) ?? []), ...((values['format'] as string[] | undefined) ?? [])]);
      }
      if (this.spec.timeout) timeoutMs = parseTimeout(values['timeout'] as string);
    } catch (error) {
      if (error instanceof HelpRequested) {
        err(this.#usage());
        return 0;
      }
      if (isTspireError(error)) {
        err(`${error.message}\n${this.#usage()}`);
        return 1;
      }
      throw error;
    }
    const values = parsed.values as Record<string, unknown>;
    const socketPath = resolveAgentSocketPath(values['socketPath'] as string, values['instance'] as string, this.deps.env);
    let connection: WorkloadConnection | undefined;
    try {
      const code = await this.spec.run({
        flags: parsed.values as FlagValues<S>,
        given: parsed.set,
        output,
        timeoutMs,
        socketPath,
        deps: this.deps,
        connection: () => (connection ??= this.deps.connect(socketPath)),
        out: (text) => void this.deps.stdout.write(text),
        err,
      });
      return code ?? 0;
    } catch (error) {
      err(`${describeError(error)}\n`);
      return 1;
    } finally {
      connection?.close();
    }
  }
}

/** `-timeout` as SPIRE's DurationFlag parses it (the Go error text kept). */
function parseTimeout(value: string): number {
  try {
    return parseGoDuration(value);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new TspireError('ERR_CONFIG_FLAG_INVALID_VALUE', `invalid value ${JSON.stringify(value)} for flag -timeout: ${reason}`);
  }
}

/** Call options carrying the deadline (none when `timeoutMs` is 0) and an abort signal. */
export function callOptions(timeoutMs: number, signal?: AbortSignal): { timeoutMs?: number; signal?: AbortSignal } {
  return { ...(timeoutMs > 0 ? { timeoutMs } : {}), ...(signal !== undefined ? { signal } : {}) };
}
