/**
 * Test fixture for the agent CLI: a real Workload API (@tspire/agent's startWorkloadApi with an
 * InMemoryIdentitySource) on a UNIX socket in a temporary directory, with an own trust domain
 * (example.org) and a federated one (other.org), a grpc.health service whose status tests set,
 * and `run` to invoke the CLI in-process with captured output.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { endpoints } from '@tspire/agent';
import { FakeClock, createCapturingLogger } from '@tspire/common';
import { healthv1 } from '@tspire/proto';
import { SpiffeBundle, SpiffeId, TrustDomain, X509Svid } from '@tspire/spiffe';
import { FIXTURE_NOW, createCa, createIntermediate, createLeaf, keyPairFor, signToken, type Issued, type KeyPair } from '@tspire/spiffe/testing';
import { main, type AgentMainOptions } from './main.js';

export const TD = TrustDomain.parse('example.org');
export const OTHER_TD = TrustDomain.parse('other.org');
export const UID_1000 = [{ type: 'unix', value: 'uid:1000' }] as const;

export interface TrustDomainKeys {
  readonly ca: Issued;
  readonly jwtKid: string;
  readonly jwtKeys: KeyPair;
}

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface AgentCliFixture {
  readonly dir: string;
  readonly socketPath: string;
  readonly source: endpoints.InMemoryIdentitySource;
  readonly own: TrustDomainKeys;
  readonly other: TrustDomainKeys;
  /** What grpc.health.v1 Check answers. */
  healthStatus: healthv1.HealthCheckResponse_ServingStatus;
  /** An X509-SVID of example.org for `path`, signed by the CA or (with `intermediate`) through one. */
  svid(path: string, options?: { intermediate?: boolean }): Promise<X509Svid>;
  /** A JWT-SVID signed with the own (or given) trust domain's key. */
  jwt(claims: Record<string, unknown>, keys?: TrustDomainKeys): string;
  /** Runs `spire-agent <argv> -socketPath <socket>` (socket appended unless `socket: false`). */
  run(argv: readonly string[], options?: Partial<AgentMainOptions> & { socket?: boolean }): Promise<CliRun>;
}

async function trustDomainKeys(td: TrustDomain): Promise<TrustDomainKeys> {
  const ca = await createCa({ uris: [td.idString()], subject: `CN=${td.name} CA` });
  return { ca, jwtKid: `${td.name}-k1`, jwtKeys: keyPairFor('ES256') };
}

function bundleOf(td: TrustDomain, keys: TrustDomainKeys): SpiffeBundle {
  return new SpiffeBundle(td, { x509Authorities: [keys.ca.cert], jwtAuthorities: [[keys.jwtKid, keys.jwtKeys.publicKey]] });
}

/** Runs the CLI in-process; monotonic time advances 1.5 ms per reading. */
export async function runAgentCli(argv: readonly string[], options: Partial<AgentMainOptions> = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  let monotonic = 0;
  const code = await main(argv, {
    env: {},
    now: () => FIXTURE_NOW,
    monotonicMs: () => (monotonic += 1.5),
    ...options,
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  });
  return { code, stdout, stderr };
}

/** Runs `fn` with a started Workload API; always closes it and removes the directory. */
export async function withAgentCli(fn: (f: AgentCliFixture) => Promise<void>): Promise<void> {
  const [own, other] = await Promise.all([trustDomainKeys(TD), trustDomainKeys(OTHER_TD)]);
  const clock = new FakeClock(FIXTURE_NOW);
  const jwt = (claims: Record<string, unknown>, keys: TrustDomainKeys = own): string =>
    signToken({ alg: 'ES256', typ: 'JWT', kid: keys.jwtKid }, claims, keys.jwtKeys.privateKey);
  const source = new endpoints.InMemoryIdentitySource({
    bundle: bundleOf(TD, own),
    federatedBundles: [bundleOf(OTHER_TD, other)],
    mintJwtSvid: async (identity, audience) => {
      const now = Math.floor(clock.nowMs() / 1000);
      return jwt({ sub: identity.spiffeId.toString(), aud: [...audience], exp: now + 300, iat: now });
    },
  });
  const dir = await mkdtemp(join(tmpdir(), 'tspire-agent-cli-'));
  const socketPath = join(dir, 'public', 'api.sock');
  const state = { healthStatus: healthv1.HealthCheckResponse_ServingStatus.SERVING };
  const api = await endpoints.startWorkloadApi({
    socketPath,
    identities: source,
    attestCaller: async () => UID_1000,
    logger: createCapturingLogger(),
    clock,
    closeGraceMs: 0,
    routes: (router) => router.service(healthv1.Health, { check: () => ({ status: state.healthStatus }) }),
  });
  const fixture: AgentCliFixture = Object.assign(state, {
    dir,
    socketPath,
    source,
    own,
    other,
    svid: async (path: string, options: { intermediate?: boolean } = {}) => {
      const issuer = options.intermediate === true ? await createIntermediate(own.ca, { uris: [TD.idString()] }) : own.ca;
      const leaf = await createLeaf(issuer, { uris: [`spiffe://${TD.name}${path}`] });
      const chain = issuer === own.ca ? [leaf.cert] : [leaf.cert, issuer.cert];
      return X509Svid.fromParts(chain, leaf.keys.privateKey);
    },
    jwt,
    run: (argv: readonly string[], options: Partial<AgentMainOptions> & { socket?: boolean } = {}) => {
      const { socket = true, ...rest } = options;
      return runAgentCli(socket ? [...argv, '-socketPath', socketPath] : argv, rest);
    },
  });
  try {
    await fn(fixture);
  } finally {
    await api.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** The SPIFFE ID of `path` in example.org. */
export const idOf = (path: string, td: TrustDomain = TD): SpiffeId => SpiffeId.fromPath(td, path);
