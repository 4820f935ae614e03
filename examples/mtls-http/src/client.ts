/**
 * The mTLS HTTP client of the example: its identity comes from the Workload API (X509Source),
 * it talks only to the server SPIFFE ID it expects, and each request opens a new connection
 * (keepAlive off) so SVID rotations on either side show up in the answers.
 *
 *   SPIFFE_ENDPOINT_SOCKET=unix:///tmp/spire-agent/public/api.sock SERVER_URL=https://127.0.0.1:8443/ node dist/client.js
 */
import https from 'node:https';
import { authorizeId } from '@tspire/spiffe';
import { X509Source, mtlsClientOptions } from '@tspire/workload';
import { log, setting } from './log.js';

const url = new URL(setting('SERVER_URL', 'https://127.0.0.1:8443/'));
const serverId = setting('SERVER_SPIFFE_ID', 'spiffe://example.org/server');
const requests = Number(setting('REQUESTS', 'Infinity'));
const intervalMs = Number(setting('INTERVAL_MS', '1000'));

const source = await X509Source.create();
log('svid', { id: source.getX509Svid().id.toString() });
const options = mtlsClientOptions(source, authorizeId(serverId));
const agent = new https.Agent({ keepAlive: false });

function get(): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ...options, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.setTimeout(5000, () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
  });
}

let stopping = false;
let failures = 0;
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => (stopping = true));

for (let sent = 0; sent < requests && !stopping; sent += 1) {
  try {
    const { status, body } = await get();
    if (status !== 200) throw new Error(`status ${status}`);
    log('response', JSON.parse(body) as Record<string, unknown>);
  } catch (err) {
    failures += 1;
    log('error', { message: err instanceof Error ? err.message : String(err) });
  }
  if (sent + 1 < requests && !stopping) await new Promise((resolve) => setTimeout(resolve, intervalMs));
}

agent.destroy();
await source.close();
log('done', { failures });
process.exitCode = failures === 0 ? 0 : 1;
