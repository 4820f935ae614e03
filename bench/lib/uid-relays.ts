/**
 * Many distinct workloads without many node processes: a tiny relay process per workload runs
 * as its own uid (`setpriv --reuid=N --regid=N --clear-groups`), connects to the agent socket
 * and relays bytes to this process over its stdin/stdout, where connect-node speaks gRPC over
 * that pipe pair. The agent sees the relay as the caller (SO_PEERCRED gives the relay's pid, the
 * unix attestor reads uid N from /proc), so each relay is one workload.
 *
 * Relay: socat if installed (about 1 MiB private memory each); else python3 with a few lines
 * (heavier); else none, and the caller skips with a message.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Duplex } from 'node:stream';

export interface Relay {
  readonly kind: 'socat' | 'python3';
  readonly path: string;
  /** argv after the binary for a relay to `socketPath`. */
  args(socketPath: string): string[];
}

// Select on stdin and the socket; write everything; exit when the agent closes the socket.
const PYTHON_RELAY = `
import os, socket, sys, selectors
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
sel = selectors.DefaultSelector(); sel.register(0, selectors.EVENT_READ, 0); sel.register(s, selectors.EVENT_READ, 1)
while True:
    for key, _ in sel.select():
        if key.data == 0:
            d = os.read(0, 65536)
            if not d: sys.exit(0)
            s.sendall(d)
        else:
            d = s.recv(65536)
            if not d: sys.exit(0)
            v = memoryview(d)
            while v: v = v[os.write(1, v):]
`;

/** The first executable named `name` on PATH. */
export function onPath(name: string, path = process.env['PATH'] ?? ''): string | undefined {
  for (const dir of path.split(':').filter(Boolean)) {
    const candidate = join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** The lightest relay available, or undefined (then the benchmark row is skipped). */
export function findRelay(): Relay | undefined {
  const socat = onPath('socat');
  if (socat) return { kind: 'socat', path: socat, args: (socketPath) => ['STDIO', `UNIX-CONNECT:${socketPath}`] };
  const python = onPath('python3');
  if (python) return { kind: 'python3', path: python, args: (socketPath) => ['-c', PYTHON_RELAY, socketPath] };
  return undefined;
}

export interface UidRelay {
  readonly uid: number;
  readonly child: ChildProcess;
  /** The byte stream to the agent, for `createConnection`. */
  readonly stream: Duplex;
  stop(): void;
}

/** Starts one relay to `socketPath` running as `uid`/`uid` with no supplementary groups. */
export function spawnUidRelay(relay: Relay, socketPath: string, uid: number, setpriv = onPath('setpriv') ?? 'setpriv'): UidRelay {
  const child = spawn(setpriv, [`--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', relay.path, ...relay.args(socketPath)], {
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  const stream = Duplex.from({ readable: child.stdout!, writable: child.stdin! });
  stream.on('error', () => undefined); // the relay's death surfaces as a failed call
  return {
    uid,
    child,
    stream,
    stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    },
  };
}
