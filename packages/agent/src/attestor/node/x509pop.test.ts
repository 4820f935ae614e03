import assert from 'node:assert/strict';
import { createHash, createPublicKey, generateKeyPairSync, randomBytes, verify, type KeyObject } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { createCa, createIntermediate, createLeaf, type FixtureKeyAlgorithm, type Issued } from '@tspire/spiffe/testing';
import { encodePem } from '@tspire/spiffe';
import { AgentError } from '../../errors.js';
import { joinTokenAttestor } from './node-attestor.js';
import { CURVES, ecdsaVerifyDigest, multiply, privateScalar, publicPoint, rsaPssVerifyDigest, toBigInt } from './signature-math.test-helper.js';
import { X509POP_NONCE_BYTES, computeX509PopResponse } from './x509pop-challenge.js';
import { loadX509PopAttestor, x509PopPayload, type X509PopAgentConfig } from './x509pop.js';

/** A challenge as SPIRE's server sends it: both keys present, one null. */
function challengeFor(kind: 'rsa' | 'ecdsa', nonce: Buffer = randomBytes(32)): Uint8Array {
  const part = { nonce: nonce.toString('base64') };
  const body = kind === 'rsa' ? { rsa_signature: part, ecdsa_signature: null } : { rsa_signature: null, ecdsa_signature: part };
  return Buffer.from(JSON.stringify(body));
}

function parseResponse(bytes: Uint8Array): Record<string, Record<string, string> | null> {
  return JSON.parse(Buffer.from(bytes).toString('utf8')) as Record<string, Record<string, string> | null>;
}

const b64 = (text: string | undefined): Buffer => Buffer.from(text ?? '', 'base64');

function failsWith(code: string, pattern: RegExp): (err: unknown) => boolean {
  return (err) => err instanceof AgentError && err.code === code && pattern.test(err.message);
}

describe('x509pop challenge response', () => {
  it('self-checks the curve math: d*G equals the public key node derives', () => {
    for (const curve of ['P-256', 'P-384'] as const) {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: curve });
      assert.deepEqual(multiply(CURVES[curve], privateScalar(privateKey), CURVES[curve].g), publicPoint(publicKey));
    }
  });

  for (const curve of ['P-256', 'P-384'] as const) {
    it(`answers an ECDSA challenge with a ${curve} key: r,s over SHA-256(challenge nonce || response nonce) as the digest`, () => {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: curve });
      const challengeNonce = randomBytes(32);
      const response = parseResponse(computeX509PopResponse(privateKey, challengeFor('ecdsa', challengeNonce)));
      assert.deepEqual(Object.keys(response), ['rsa_signature', 'ecdsa_signature']);
      assert.equal(response['rsa_signature'], null);
      const ecdsa = response['ecdsa_signature']!;
      assert.deepEqual(Object.keys(ecdsa), ['nonce', 'r', 's']);
      const responseNonce = b64(ecdsa['nonce']);
      assert.equal(responseNonce.length, X509POP_NONCE_BYTES);
      const digest = createHash('sha256').update(challengeNonce).update(responseNonce).digest();
      const r = b64(ecdsa['r']);
      const s = b64(ecdsa['s']);
      assert.notEqual(r[0], 0, 'r is a minimal big-endian integer');
      assert.notEqual(s[0], 0, 's is a minimal big-endian integer');
      assert.equal(ecdsaVerifyDigest(CURVES[curve], publicPoint(publicKey), digest, toBigInt(r), toBigInt(s)), true);
      // Not a signature over the digest hashed once more (the trap of signing the digest as data).
      const twice = createHash('sha256').update(digest).digest();
      assert.equal(ecdsaVerifyDigest(CURVES[curve], publicPoint(publicKey), twice, toBigInt(r), toBigInt(s)), false);
      // And node agrees: ECDSA-SHA256 over the concatenated nonces is the same signature.
      const size = curve === 'P-256' ? 32 : 48;
      const p1363 = Buffer.concat([Buffer.alloc(size - r.length), r, Buffer.alloc(size - s.length), s]);
      assert.equal(verify('sha256', Buffer.concat([challengeNonce, responseNonce]), { key: publicKey, dsaEncoding: 'ieee-p1363' }, p1363), true);
    });
  }

  it('answers an RSA challenge with RSA-PSS SHA-256 over the digest, maximal salt as Go', () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const challengeNonce = randomBytes(40); // longer nonces are allowed
    const response = parseResponse(computeX509PopResponse(privateKey, challengeFor('rsa', challengeNonce)));
    assert.deepEqual(Object.keys(response), ['rsa_signature', 'ecdsa_signature']);
    assert.equal(response['ecdsa_signature'], null);
    const rsa = response['rsa_signature']!;
    assert.deepEqual(Object.keys(rsa), ['nonce', 'signature']);
    const digest = createHash('sha256').update(challengeNonce).update(b64(rsa['nonce'])).digest();
    assert.equal(rsaPssVerifyDigest(publicKey, digest, b64(rsa['signature'])), 256 - 32 - 2);
    assert.equal(rsaPssVerifyDigest(publicKey, createHash('sha256').update(digest).digest(), b64(rsa['signature'])), undefined);
  });

  it('uses the injected nonce source', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const nonce = Buffer.alloc(32, 7);
    const response = parseResponse(computeX509PopResponse(privateKey, challengeFor('ecdsa'), () => nonce));
    assert.deepEqual(b64(response['ecdsa_signature']!['nonce']), nonce);
  });

  it('refuses malformed challenges and challenges for the other key type', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const code = 'ERR_AGENT_X509POP_CHALLENGE';
    assert.throws(() => computeX509PopResponse(privateKey, challengeFor('rsa')), failsWith(code, /expecting ECDSA challenge/));
    assert.throws(() => computeX509PopResponse(privateKey, Buffer.from('{"rsa_signature":null}')), failsWith(code, /expecting ECDSA/));
    assert.throws(() => computeX509PopResponse(privateKey, Buffer.from('nope')), failsWith(code, /not JSON/));
    assert.throws(() => computeX509PopResponse(privateKey, Buffer.from('[1]')), failsWith(code, /not a JSON object/));
    assert.throws(() => computeX509PopResponse(privateKey, challengeFor('ecdsa', randomBytes(31))), failsWith(code, /challenge nonce too small \(31 bytes/));
    const badBase64 = Buffer.from('{"rsa_signature":null,"ecdsa_signature":{"nonce":"a*b="}}');
    assert.throws(() => computeX509PopResponse(privateKey, badBase64), failsWith(code, /nonce" is not valid base64/));
    const noNonce = Buffer.from('{"rsa_signature":null,"ecdsa_signature":{}}');
    assert.throws(() => computeX509PopResponse(privateKey, noNonce), failsWith(code, /nonce" is not a base64 string/));
    const ed = generateKeyPairSync('ed25519').privateKey;
    assert.throws(() => computeX509PopResponse(ed, challengeFor('ecdsa')), failsWith('ERR_AGENT_X509POP_CONFIG', /RSA or ECDSA private key, not ed25519/));
  });
});

describe('x509pop attestor (files)', () => {
  const files = new Map<string, Uint8Array>();
  const readFile = async (path: string): Promise<Uint8Array> => {
    const data = files.get(path);
    if (data === undefined) throw Object.assign(new Error(`ENOENT: no such file, open '${path}'`), { code: 'ENOENT' });
    return data;
  };
  let ca: Issued;
  let intermediate: Issued;
  const leaves = new Map<FixtureKeyAlgorithm, Issued>();

  const pem = (...certs: Issued[]): Uint8Array => Buffer.from(certs.map((c) => encodePem('CERTIFICATE', c.der)).join(''));
  const keyPem = (key: KeyObject, type: 'pkcs8' | 'sec1' | 'pkcs1'): Uint8Array => Buffer.from(key.export({ format: 'pem', type }) as string);

  before(async () => {
    ca = await createCa();
    intermediate = await createIntermediate(ca);
    for (const algorithm of ['P-256', 'RSA'] as const) leaves.set(algorithm, await createLeaf(intermediate, { algorithm, uris: [] }));
    const ec = leaves.get('P-256')!;
    const rsa = leaves.get('RSA')!;
    files.set('/ec/key.pem', keyPem(ec.keys.privateKey, 'sec1'));
    files.set('/ec/cert.pem', pem(ec, intermediate));
    files.set('/ec/leaf.pem', pem(ec));
    files.set('/ec/intermediates.pem', pem(intermediate));
    files.set('/rsa/key.pem', keyPem(rsa.keys.privateKey, 'pkcs1'));
    files.set('/rsa/cert.pem', pem(rsa));
    files.set('/garbage.pem', Buffer.from('hello'));
  });

  async function attest(config: X509PopAgentConfig, kind: 'rsa' | 'ecdsa'): Promise<{ certificates: Buffer[]; response: ReturnType<typeof parseResponse>; challengeNonce: Buffer }> {
    const attestor = await loadX509PopAttestor(config, { readFile });
    assert.equal(attestor.type, 'x509pop');
    const { payload, answerChallenge } = await attestor.begin();
    const body = JSON.parse(Buffer.from(payload).toString('utf8')) as { certificates: string[] };
    assert.deepEqual(Object.keys(body), ['certificates']);
    const challengeNonce = randomBytes(32);
    const response = parseResponse(await answerChallenge!(challengeFor(kind, challengeNonce)));
    return { certificates: body.certificates.map((c) => Buffer.from(c, 'base64')), response, challengeNonce };
  }

  it('sends the leaf then the intermediates from certificate_path and answers with the EC key', async () => {
    const { certificates, response, challengeNonce } = await attest({ private_key_path: '/ec/key.pem', certificate_path: '/ec/cert.pem' }, 'ecdsa');
    assert.deepEqual(certificates, [leaves.get('P-256')!.der, intermediate.der]);
    const ecdsa = response['ecdsa_signature']!;
    const digest = createHash('sha256').update(challengeNonce).update(b64(ecdsa['nonce'])).digest();
    const leafPoint = publicPoint(createPublicKey(leaves.get('P-256')!.keys.privateKey));
    assert.equal(ecdsaVerifyDigest(CURVES['P-256'], leafPoint, digest, toBigInt(b64(ecdsa['r'])), toBigInt(b64(ecdsa['s']))), true);
  });

  it('appends intermediates_path after the certificate file', async () => {
    const config = { private_key_path: '/ec/key.pem', certificate_path: '/ec/leaf.pem', intermediates_path: '/ec/intermediates.pem' };
    const { certificates } = await attest(config, 'ecdsa');
    assert.deepEqual(certificates, [leaves.get('P-256')!.der, intermediate.der]);
  });

  it('answers with an RSA key (PKCS#1 PEM)', async () => {
    const { response, challengeNonce } = await attest({ private_key_path: '/rsa/key.pem', certificate_path: '/rsa/cert.pem' }, 'rsa');
    const rsa = response['rsa_signature']!;
    const leafKey = createPublicKey(leaves.get('RSA')!.keys.privateKey);
    const digest = createHash('sha256').update(challengeNonce).update(b64(rsa['nonce'])).digest();
    assert.equal(rsaPssVerifyDigest(leafKey, digest, b64(rsa['signature'])), 222);
    assert.equal(rsaPssVerifyDigest(leafKey, Buffer.alloc(32), b64(rsa['signature'])), undefined, 'signature is bound to the nonces');
  });

  it('reads the files again for each attestation', async () => {
    const attestor = await loadX509PopAttestor({ private_key_path: '/ec/key.pem', certificate_path: '/ec/cert.pem' }, { readFile });
    files.set('/ec/cert.pem', pem(leaves.get('P-256')!));
    try {
      const { payload } = await attestor.begin();
      assert.equal((JSON.parse(Buffer.from(payload).toString()) as { certificates: string[] }).certificates.length, 1);
    } finally {
      files.set('/ec/cert.pem', pem(leaves.get('P-256')!, intermediate));
    }
  });

  it('refuses bad configuration, naming the key or file', async () => {
    const code = 'ERR_AGENT_X509POP_CONFIG';
    await assert.rejects(loadX509PopAttestor({ certificate_path: '/ec/cert.pem' }, { readFile }), failsWith(code, /private_key_path is required/));
    await assert.rejects(loadX509PopAttestor({ private_key_path: '/ec/key.pem' }, { readFile }), failsWith(code, /certificate_path is required/));
    await assert.rejects(loadX509PopAttestor({ private_key_path: '/missing.pem', certificate_path: '/ec/cert.pem' }, { readFile }),
      failsWith(code, /cannot read private_key_path \/missing.pem/));
    await assert.rejects(loadX509PopAttestor({ private_key_path: '/garbage.pem', certificate_path: '/ec/cert.pem' }, { readFile }),
      failsWith(code, /\/garbage.pem does not hold a usable unencrypted PEM private key/));
    await assert.rejects(loadX509PopAttestor({ private_key_path: '/ec/key.pem', certificate_path: '/garbage.pem' }, { readFile }),
      failsWith(code, /no CERTIFICATE PEM block in \/garbage.pem/));
    await assert.rejects(loadX509PopAttestor({ private_key_path: '/rsa/key.pem', certificate_path: '/ec/cert.pem' }, { readFile }),
      failsWith(code, /private key in \/rsa\/key.pem does not match the certificate in \/ec\/cert.pem/));
  });

  it('builds the payload from DER and refuses an empty chain', () => {
    const payload = JSON.parse(Buffer.from(x509PopPayload([Buffer.of(1, 2, 3)])).toString()) as unknown;
    assert.deepEqual(payload, { certificates: ['AQID'] });
    assert.throws(() => x509PopPayload([]), failsWith('ERR_AGENT_X509POP_CONFIG', /at least one certificate/));
  });
});

describe('join_token attestor', () => {
  it('sends the token as the payload and has no challenge responder', async () => {
    const attestor = joinTokenAttestor('6b6f0f7c-token');
    assert.equal(attestor.type, 'join_token');
    const attestation = await attestor.begin();
    assert.equal(Buffer.from(attestation.payload).toString(), '6b6f0f7c-token');
    assert.equal(attestation.answerChallenge, undefined);
    assert.throws(() => joinTokenAttestor(''), /must not be empty/);
  });
});
