/**
 * The mTLS HTTP server of the example: its identity comes from the Workload API (X509Source),
 * it accepts exactly one client SPIFFE ID, and it keeps serving across SVID rotations.
 *
 *   SPIFFE_ENDPOINT_SOCKET=unix:///tmp/spire-agent/public/api.sock node dist/server.js
 */
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { authorizeId } from '@tspire/spiffe';
import { X509Source, mtlsServerOptions, peerSpiffeId } from '@tspire/workload';
import { log, setting } from './log.js';

const host = setting('HOST', '127.0.0.1');
const port = Number(setting('PORT', '8443'));
const clientId = setting('CLIENT_SPIFFE_ID', 'spiffe://example.org/client');

// Resolves once the agent has sent our first SVID (SPIFFE_ENDPOINT_SOCKET names the agent).
const source = await X509Source.create();
log('svid', { id: source.getX509Svid().id.toString(), serial: source.getX509Svid().leaf.serialNumber });
source.onUpdate((context) => log('svid', { id: context.svids[0]?.id.toString(), serial: context.svids[0]?.leaf.serialNumber }));

const options = mtlsServerOptions(source, authorizeId(clientId));
const server = options.attach(
  https.createServer(options, (req, res) => {
    const socket = req.socket as TLSSocket;
    res.setHeader('content-type', 'application/json');
    res.end(
      JSON.stringify({
        hello: peerSpiffeId(socket).toString(),
        clientSerial: socket.getPeerX509Certificate()?.serialNumber,
        serverSerial: socket.getX509Certificate()?.serialNumber,
      }),
    );
  }),
);
// Refused clients never reach the handler; node reports them here.
server.on('tlsClientError', (err) => log('refused', { reason: err.message }));

server.listen(port, host, () => log('listening', { host, port: (server.address() as AddressInfo).port, authorized: clientId }));

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close();
    server.closeAllConnections();
    void source.close().then(() => log('stopped'));
  });
}
