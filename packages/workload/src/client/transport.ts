/**
 * The gRPC transport to a Workload API address: HTTP/2 with prior knowledge (h2c) over a UNIX
 * socket or TCP, through one session manager so close() can cut every connection at once.
 */
import net from 'node:net';
import type { Transport } from '@connectrpc/connect';
import { Http2SessionManager, createGrpcTransport } from '@connectrpc/connect-node';
import type { WorkloadAddress } from '../address/address.js';

export interface OwnedTransport {
  readonly transport: Transport;
  /** Closes every connection; calls in flight fail. */
  close(): void;
}

/**
 * @example const { transport, close } = createWorkloadTransport({ network: 'unix', path: '/tmp/api.sock' });
 */
export function createWorkloadTransport(address: WorkloadAddress): OwnedTransport {
  const baseUrl = address.network === 'unix' ? 'http://localhost' : `http://${net.isIPv6(address.host) ? `[${address.host}]` : address.host}:${address.port}`;
  const sessionManager =
    address.network === 'unix'
      ? new Http2SessionManager(baseUrl, undefined, { createConnection: () => net.connect(address.path) })
      : new Http2SessionManager(baseUrl);
  return {
    transport: createGrpcTransport({ baseUrl, sessionManager }),
    close: () => sessionManager.abort(),
  };
}
