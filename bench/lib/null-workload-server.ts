/**
 * A do-nothing Workload API server, the baseline for the agent's FetchX509SVID: the same stack
 * as the agent's endpoint (node:http2 + connect-node, gRPC only, on a UNIX socket), but the
 * handler sends a fixed pre-built response (no attestation, no cache lookup, no serialization
 * work beyond the framework's) and then holds the stream open until the client leaves.
 *
 * Run as its own process so it gets a core of its own, as the agent does:
 *   node bench/dist/lib/null-workload-server.js <socket path> <response file (binary X509SVIDResponse)> <gzip|identity>
 * The last argument mirrors how the agent encodes responses (connect's default gzips responses
 * of 1 KiB and more when the client accepts gzip), so both do the same framework work.
 * Prints "ready" once listening; exits on SIGTERM. Started by `startNullWorkloadServer`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, rmSync } from 'node:fs';
import http2 from 'node:http2';
import { fileURLToPath } from 'node:url';
import { fromBinary } from '@bufbuild/protobuf';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import { workload } from '@tspire/proto';

const SELF = fileURLToPath(import.meta.url);

export type ResponseEncoding = 'gzip' | 'identity';

function serve(socketPath: string, responseFile: string, encoding: ResponseEncoding): void {
  const response = fromBinary(workload.X509SVIDResponseSchema, readFileSync(responseFile));
  const handler = connectNodeAdapter({
    ...(encoding === 'identity' ? { compressMinBytes: Number.POSITIVE_INFINITY } : {}),
    grpc: true,
    grpcWeb: false,
    connect: false,
    routes: (router) => {
      router.service(workload.SpiffeWorkloadAPI, {
        async *fetchX509SVID(_req, ctx) {
          yield response;
          if (!ctx.signal.aborted) await once(ctx.signal, 'abort');
        },
      });
    },
  });
  const server = http2.createServer(handler);
  rmSync(socketPath, { force: true });
  server.listen(socketPath, () => process.stdout.write('ready\n'));
  process.once('SIGTERM', () => {
    server.close();
    process.exit(0);
  });
}

/** Starts the baseline server in a child process; resolves once it listens. */
export async function startNullWorkloadServer(
  socketPath: string,
  responseFile: string,
  encoding: ResponseEncoding,
): Promise<{ child: ChildProcess; stop(): Promise<void> }> {
  const nodeArgs = (process.env['TSPIRE_BENCH_NULL_NODE_ARGS'] ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, SELF, socketPath, responseFile, encoding], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout?.setEncoding('utf8');
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (d: string) => {
      out += d;
      if (out.includes('ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`null workload server exited with ${code}`)));
  });
  return {
    child,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}

if (process.argv[1] === SELF) {
  const [socketPath, responseFile, encoding] = process.argv.slice(2);
  if (socketPath === undefined || responseFile === undefined || (encoding !== 'gzip' && encoding !== 'identity')) {
    console.error('usage: null-workload-server.js <socket path> <response file> <gzip|identity>');
    process.exit(2);
  }
  serve(socketPath, responseFile, encoding);
}
