import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net from 'node:net';
import { describe, it } from 'node:test';
import { UID_1000, withWorkloadApi } from './fixture.test-helper.js';

/**
 * The first gRPC message of a FetchX509SVID over raw HTTP/2 (connect's client hides the
 * per-message compressed flag): [flag, 4-byte length] then the message.
 */
function firstEnvelope(socketPath: string, acceptEncoding: string): Promise<{ compressed: number; length: number }> {
  return new Promise((resolve, reject) => {
    const session = http2.connect('http://localhost', { createConnection: () => net.connect(socketPath) });
    session.on('error', reject);
    const stream = session.request({
      ':method': 'POST',
      ':path': '/SpiffeWorkloadAPI/FetchX509SVID',
      'content-type': 'application/grpc',
      te: 'trailers',
      'workload.spiffe.io': 'true',
      'grpc-accept-encoding': acceptEncoding,
    });
    stream.end(Buffer.alloc(5)); // an empty, uncompressed request message
    let data = Buffer.alloc(0);
    stream.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      if (data.length >= 5) {
        resolve({ compressed: data[0]!, length: data.readUInt32BE(1) });
        stream.close();
        session.close();
      }
    });
    stream.on('error', reject);
    stream.on('end', () => reject(new Error(`stream ended after ${data.length} bytes`)));
  });
}

describe('Workload API response encoding', () => {
  it('sends messages uncompressed even when the client accepts gzip (as SPIRE does)', () => withWorkloadApi(async (f) => {
    for (const name of ['a', 'b', 'c']) {
      f.source.setEntry({ entryId: `entry-${name}`, spiffeId: f.spiffeId(`/${name}`), selectors: UID_1000, svid: await f.svid(`/${name}`) });
    }
    const envelope = await firstEnvelope(f.socketPath, 'gzip');
    // Large enough that connect's default (compress from 1 KiB) would have gzipped it.
    assert.ok(envelope.length > 1024, `message of ${envelope.length} bytes`);
    assert.equal(envelope.compressed, 0);
  }));
});
