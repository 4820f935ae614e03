/**
 * JwtSvid.parseAndValidate throughput for an ES256 JWT-SVID shaped like SPIRE's (kid, typ JWT,
 * sub, one aud, exp, iat), against a JWT bundle set of two trust domains with a few keys each:
 * header and claim checks, bundle and key lookup, and the signature verification.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import { JwtBundle, JwtBundleSet, JwtSvid, TrustDomain } from '@tspire/spiffe';
import { runBench } from './lib/harness.js';

const now = new Date('2030-01-01T00:00:00Z');
const nowSeconds = Math.floor(now.getTime() / 1000);
const td = TrustDomain.parse('example.org');
const signer = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const otherKeys = Array.from({ length: 3 }, () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey);

const bundles = new JwtBundleSet([
  new JwtBundle(td, [['active-kid', signer.publicKey], ...otherKeys.map((key, i): [string, typeof key] => [`old-kid-${i}`, key])]),
  new JwtBundle(TrustDomain.parse('partner.example.com'), otherKeys.map((key, i): [string, typeof key] => [`partner-${i}`, key])),
]);

const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
const signingInput = `${encode({ alg: 'ES256', kid: 'active-kid', typ: 'JWT' })}.${encode({
  sub: 'spiffe://example.org/ns/payments/sa/billing-api',
  aud: ['spiffe://example.org/ns/payments/sa/ledger'],
  exp: nowSeconds + 300,
  iat: nowSeconds - 5,
})}`;
const signature = sign('sha256', Buffer.from(signingInput), { key: signer.privateKey, dsaEncoding: 'ieee-p1363' });
const token = `${signingInput}.${signature.toString('base64url')}`;
const audience = ['spiffe://example.org/ns/payments/sa/ledger'];

let validated = 0;

await runBench({
  name: 'jwt-svid-validate',
  warmupMs: 1000,
  durationMs: 4000,
  batch: 10,
  op: async () => {
    const svid = await JwtSvid.parseAndValidate(token, bundles, audience, { now });
    validated += svid.audience.length; // keeps the result alive
  },
});

if (validated === 0) throw new Error('jwt-svid-validate: no token was validated');
