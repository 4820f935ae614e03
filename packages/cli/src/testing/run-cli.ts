/** Runs `main` in-process with captured output, for command tests. */
import { main, type MainOptions } from '../server-cli/main.js';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions extends Partial<Omit<MainOptions, 'stdout' | 'stderr'>> {
  /** Appended as `-socketPath <path>` after the command words when set. */
  readonly socketPath?: string;
  readonly stdin?: string;
}

/** `words` are the command words (`['entry', 'show']`), `args` its flags. */
export async function runCli(words: readonly string[], args: readonly string[], options: RunOptions = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const { socketPath, stdin, ...deps } = options;
  const argv = [...words, ...(socketPath !== undefined ? ['-socketPath', socketPath] : []), ...args];
  const code = await main(argv, {
    env: {},
    timeZone: 'UTC',
    now: () => new Date('2024-01-02T03:04:05Z'),
    ...(stdin !== undefined ? { readStdin: async () => new Uint8Array(Buffer.from(stdin)) } : {}),
    ...deps,
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  });
  return { code, stdout, stderr };
}
