/**
 * Worker thread of the signing pool: holds an X509SvidSigner for the CA the pool last sent and
 * signs the chunks it receives, in order, so a chunk is always signed by the authority posted
 * before it. Not imported by anything; the pool starts it with `new Worker(url)`.
 */
import { parentPort } from 'node:worker_threads';
import { failureOf, signFromCsr, type CsrSigningOutcome, type SigningTimings } from './sign-from-csr.js';
import type { AuthorityMessage, SignMessage, SignedMessage, ToWorker, WireResult } from './signing-protocol.js';
import { epochMs, pack } from './signing-protocol.js';
import { X509SvidSigner } from './x509-svid-signer.js';

if (parentPort === null) throw new Error('signing-worker.js must run as a worker thread');
const port = parentPort;

let authorityId = '';
let signer: X509SvidSigner | undefined;
/** Why the last authority could not be loaded; every item fails with it until the next one. */
let authorityFailure: Extract<CsrSigningOutcome, { ok: false }> | undefined = {
  ok: false, code: 'ERR_CA_SIGNING_FAILED', message: 'failed to sign X509-SVID: the signing worker has no CA yet',
};

function setAuthority(message: AuthorityMessage): void {
  authorityId = message.authorityId;
  try {
    signer = new X509SvidSigner({ trustDomain: message.trustDomain, caCertificate: message.certificate, caPrivateKey: message.privateKey });
    authorityFailure = undefined;
  } catch (err) {
    signer = undefined;
    authorityFailure = failureOf(err);
  }
}

function sign(message: SignMessage): void {
  const startedAt = epochMs();
  const timings: SigningTimings = { parseMs: 0, signMs: 0 };
  const certificates: Uint8Array[] = [];
  const results: WireResult[] = message.items.map((item) => {
    if (signer === undefined) return authorityFailure!;
    const csr = new Uint8Array(message.csrs, item.csrOffset, item.csrLength);
    const outcome = signFromCsr(signer, { ...item, csr }, message.now, timings);
    if (!outcome.ok) return outcome;
    certificates.push(outcome.certificate);
    return { ok: true, offset: 0, length: outcome.certificate.length, serialHex: outcome.serialHex, expiresAt: outcome.expiresAt };
  });
  const { buffer, offsets } = pack(certificates);
  let next = 0;
  for (const result of results) if (result.ok) result.offset = offsets[next++]!;
  const reply: SignedMessage = { type: 'signed', chunkId: message.chunkId, authorityId, certificates: buffer, results, ...timings, startedAt, repliedAt: epochMs() };
  port.postMessage(reply, [buffer]);
}

port.on('message', (message: ToWorker) => {
  if (message.type === 'authority') setAuthority(message);
  else sign(message);
});
