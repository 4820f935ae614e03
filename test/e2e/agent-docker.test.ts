/**
 * The docker workload attestor through a real agent. There is no Docker engine on these
 * machines: a fake Engine API answers container inspect on a UNIX socket (lib/fake-docker-engine),
 * and the "container" is a real cgroup named like Docker's cgroupfs driver names them
 * (`.../docker/<64-hex id>`, lib/cgroup). A workload process moved into that cgroup before it
 * connects gets the SVIDs of the entries whose docker selectors all match the container's
 * labels/env/image; a process outside it gets none. Needs root and a writable cgroup hierarchy;
 * skipped with the reason otherwise.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { AgentFixture } from './lib/agent-fixture.js';
import { createContainerCgroup, type FakeContainerCgroup } from './lib/cgroup.js';
import { startE2eDockerEngine, type E2eDockerEngine } from './lib/fake-docker-engine.js';
import { tempDir } from './lib/processes.js';
import { fetchX509, fetchedIds, pollUntil, type FetchResult } from './lib/workload-clients.js';

const ID_WEB = 'spiffe://example.org/workload/docker-web';
const ID_WEB_PROD = 'spiffe://example.org/workload/docker-web-prod';
const ID_DB = 'spiffe://example.org/workload/docker-db';
const IMAGE = 'registry.example.org/shop/web:1.4.2';

const cgroup = createContainerCgroup();
const skip = 'skip' in cgroup ? `the docker attestor e2e needs a cgroup to put the workload in: ${cgroup.skip}` : false;
const container = 'skip' in cgroup ? undefined : (cgroup as FakeContainerCgroup);
let fixture: AgentFixture | undefined;
let engine: E2eDockerEngine | undefined;
const engineDir = tempDir('tspire-e2e-docker-engine-');

before(async () => {
  if (container === undefined) return;
  engine = await startE2eDockerEngine(join(engineDir.path, 'docker.sock'), [
    { id: container.containerId, name: 'web', image: IMAGE, labels: { app: 'web', 'com.example.tier': 'front' }, env: ['PATH=/usr/bin:/bin', 'MODE=prod'] },
  ]);
  fixture = await AgentFixture.start({
    prefix: 'tspire-e2e-docker-',
    workloadAttestors: `    WorkloadAttestor "unix" {
        plugin_data {}
    }
    WorkloadAttestor "docker" {
        plugin_data {
            docker_socket_path = ${JSON.stringify(`unix://${engine.socketPath}`)}
        }
    }`,
  });
  await fixture.createEntry(ID_WEB, ['docker:label:app:web']);
  await fixture.createEntry(ID_WEB_PROD, ['docker:label:app:web', 'docker:env:MODE=prod', `docker:image_id:${IMAGE}`]);
  await fixture.createEntry(ID_DB, ['docker:label:app:db']);
});

after(async () => {
  await fixture?.stop();
  await engine?.close();
  engineDir.cleanup();
  await container?.remove();
});

const inContainer = (pid: number): void => container!.add(pid);

test('the workload process sits in a cgroup /proc shows as a docker container', { skip }, async () => {
  // The same check the attestor makes, from outside: a process moved into the cgroup.
  let cgroupFile = '';
  await fetchX509('/nonexistent/socket', { beforeExec: (pid) => { inContainer(pid); cgroupFile = readFileSync(`/proc/${pid}/cgroup`, 'utf8'); } });
  assert.match(cgroupFile, new RegExp(`/docker/${container!.containerId}$`, 'm'));
});

test('a workload in the container gets the SVIDs whose docker selectors all match', { skip }, async () => {
  let last: FetchResult | undefined;
  const served = await pollUntil(
    async () => {
      last = await fetchX509(fixture!.socketPath, { beforeExec: inContainer });
      return last.code === 0 ? last : undefined;
    },
    30_000,
    () => `no SVID for the container: ${last?.stdout ?? ''}${last?.stderr ?? ''}\n--- agent ---\n${fixture!.agentLog}`,
  );
  assert.deepEqual(fetchedIds(served), [ID_WEB, ID_WEB_PROD].sort());
  for (const svid of served.svids!) assert.equal(svid.leaf.subjectAltName, `URI:${svid.spiffeId}`);
  // The agent asked the engine about exactly this container.
  assert.ok(engine!.requests.includes(`GET /containers/${container!.containerId}/json`), engine!.requests.join('\n'));
});

test('a workload outside the container gets PermissionDenied and the engine is not asked', { skip }, async () => {
  const asked = engine!.requests.length;
  const outside = await fetchX509(fixture!.socketPath);
  assert.notEqual(outside.code, 0);
  assert.match(outside.stderr, /code = PermissionDenied desc = no identity issued/);
  assert.equal(engine!.requests.length, asked, 'a process in no container is not looked up');
});
