import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Bundle, parseCertificate } from './x509-bundle.js';
import { encodePem } from '../pem/pem.js';
import { TrustDomain } from '../id/trust-domain.js';
import { isSpiffeError, type SpiffeErrorCode } from '../errors.js';
import { createCa } from '../svid/testing/x509-fixtures.js';

const td = TrustDomain.parse('example.org');
const [ecCa, rsaCa, edCa] = [(await createCa()).cert, (await createCa({ algorithm: 'RSA' })).cert, (await createCa({ algorithm: 'Ed25519' })).cert];
const certs = [ecCa, rsaCa, edCa];

function rawsOf(bundle: X509Bundle): string[] {
  return bundle.x509Authorities().map((c) => c.raw.toString('hex'));
}

function assertCode(fn: () => unknown, code: SpiffeErrorCode, fragment = ''): void {
  assert.throws(fn, (err: unknown) => isSpiffeError(err, code) && err.message.includes(fragment));
}

describe('X509Bundle PEM', () => {
  it('round-trips certificates through PEM in order', () => {
    const bundle = new X509Bundle(td, certs);
    const parsed = X509Bundle.parsePem(td, bundle.toPem());
    assert.deepEqual(rawsOf(parsed), certs.map((c) => c.raw.toString('hex')));
    assert.ok(parsed.equals(bundle));
  });

  it('accepts bytes as well as text', () => {
    const parsed = X509Bundle.parsePem(td, Buffer.from(new X509Bundle(td, [ecCa]).toPem()));
    assert.deepEqual(rawsOf(parsed), [ecCa.raw.toString('hex')]);
  });

  it('skips blocks of other types (a key beside the certificates)', () => {
    const pem = encodePem('PRIVATE KEY', new Uint8Array([1, 2, 3])) + new X509Bundle(td, [rsaCa]).toPem();
    assert.deepEqual(rawsOf(X509Bundle.parsePem(td, pem)), [rsaCa.raw.toString('hex')]);
    assert.ok(X509Bundle.parsePem(td, encodePem('PRIVATE KEY', new Uint8Array([1]))).empty, 'only other blocks: empty bundle');
  });

  it('gives an empty bundle for empty input and an empty PEM for an empty bundle', () => {
    assert.ok(X509Bundle.parsePem(td, '').empty);
    assert.equal(new X509Bundle(td).toPem(), '');
  });

  it('refuses non-empty input without PEM blocks', () => {
    assertCode(() => X509Bundle.parsePem(td, 'not pem\n'), 'ERR_BUNDLE_BAD_PEM', 'no PEM blocks found');
    assertCode(() => X509Bundle.parsePem(td, '\n'), 'ERR_BUNDLE_BAD_PEM');
  });

  it('refuses a CERTIFICATE block that is not a certificate', () => {
    const pem = new X509Bundle(td, [ecCa]).toPem() + encodePem('CERTIFICATE', new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]));
    assertCode(() => X509Bundle.parsePem(td, pem), 'ERR_BUNDLE_BAD_CERT', 'CERTIFICATE block 1');
  });
});

describe('X509Bundle DER', () => {
  it('round-trips concatenated DER', () => {
    const bundle = new X509Bundle(td, certs);
    const der = bundle.toDer();
    assert.equal(der.length, certs.reduce((n, c) => n + c.raw.length, 0));
    assert.ok(X509Bundle.parseDer(td, der).equals(bundle));
  });

  it('gives an empty bundle for empty bytes and empty bytes for an empty bundle', () => {
    assert.ok(X509Bundle.parseDer(td, new Uint8Array()).empty);
    assert.equal(new X509Bundle(td).toDer().length, 0);
  });

  it('refuses truncated DER', () => {
    const der = new X509Bundle(td, [ecCa, rsaCa]).toDer();
    assertCode(() => X509Bundle.parseDer(td, der.subarray(0, der.length - 1)), 'ERR_BUNDLE_BAD_DER', `at byte ${ecCa.raw.length}`);
  });

  it('refuses DER elements that are not certificates', () => {
    const der = Buffer.concat([ecCa.raw, Buffer.from([0x30, 0x03, 0x02, 0x01, 0x01])]);
    assertCode(() => X509Bundle.parseDer(td, der), 'ERR_BUNDLE_BAD_CERT', 'certificate 1');
  });

  it('refuses PEM passed as DER', () => {
    assert.throws(() => X509Bundle.parseDer(td, Buffer.from(new X509Bundle(td, [ecCa]).toPem())), (err: unknown) =>
      isSpiffeError(err, 'ERR_BUNDLE_BAD_DER') || isSpiffeError(err, 'ERR_BUNDLE_BAD_CERT'),
    );
  });

  it('parseCertificate refuses trailing bytes', () => {
    assertCode(() => parseCertificate(Buffer.concat([ecCa.raw, Buffer.from([0])]), 'x5c[0]'), 'ERR_BUNDLE_BAD_CERT', 'x5c[0]');
  });
});

describe('X509Bundle values', () => {
  it('removes duplicate certificates, keeping first-seen order', () => {
    const bundle = new X509Bundle(td, [rsaCa, ecCa, rsaCa]);
    assert.deepEqual(rawsOf(bundle), [rsaCa, ecCa].map((c) => c.raw.toString('hex')));
  });

  it('clone is independent', () => {
    const bundle = new X509Bundle(td, [ecCa]);
    const copy = bundle.clone();
    copy.addX509Authority(rsaCa);
    assert.equal(bundle.x509Authorities().length, 1);
    assert.equal(copy.x509Authorities().length, 2);
  });

  it('equals compares trust domain and certificates in order', () => {
    const bundle = new X509Bundle(td, [ecCa, rsaCa]);
    assert.ok(bundle.equals(new X509Bundle(td, [ecCa, rsaCa])));
    assert.ok(!bundle.equals(new X509Bundle(td, [rsaCa, ecCa])));
    assert.ok(!bundle.equals(new X509Bundle(td, [ecCa])));
    assert.ok(!bundle.equals(new X509Bundle(TrustDomain.parse('other.org'), [ecCa, rsaCa])));
    assert.ok(!bundle.equals(undefined));
  });

  it('setX509Authorities replaces every authority', () => {
    const bundle = new X509Bundle(td, [ecCa]);
    bundle.setX509Authorities([edCa, edCa]);
    assert.deepEqual(rawsOf(bundle), [edCa.raw.toString('hex')]);
  });

  it('is its own source only for its trust domain', () => {
    const bundle = new X509Bundle(td, [ecCa]);
    assert.equal(bundle.getX509BundleForTrustDomain(TrustDomain.parse('example.org')), bundle);
    assertCode(() => bundle.getX509BundleForTrustDomain(TrustDomain.parse('other.org')), 'ERR_BUNDLE_NOT_FOUND', 'no X.509 bundle for trust domain "other.org"');
  });
});
