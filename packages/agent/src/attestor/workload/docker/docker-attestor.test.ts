/**
 * The docker workload attestor against a fake Docker Engine API served on a real UNIX socket
 * (fake-docker-engine.test-helper.ts), with an injected /proc reader; plus its config decoding.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@tspire/common';
import { WorkloadAttestorError } from '../errors.js';
import { formatSelector } from '../workload-attestor.js';
import { decodeDockerAttestorConfig } from './config.js';
import { createDockerAttestor } from './docker-attestor.js';
import { createDockerEngineClient } from './engine-client.js';
import { startFakeDockerEngine, type FakeDockerEngine } from './fake-docker-engine.test-helper.js';

const WEB = '3f4e5d6c7b8a99887766554433221100ffeeddccbbaa00112233445566778899';
const BARE = 'b'.repeat(64);
const GHOST = 'c'.repeat(64);

/** /proc/<pid>/cgroup per pid, in memory. */
function procWith(cgroups: Record<number, string>) {
  return {
    procRoot: '/proc',
    readFile: async (path: string) => {
      const pid = Number(/^\/proc\/(\d+)\/cgroup$/.exec(path)?.[1]);
      const content = cgroups[pid];
      if (content === undefined) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });
      return content;
    },
  };
}

const PROC = procWith({
  100: `0::/system.slice/docker-${WEB}.scope\n`,
  200: `12:memory:/docker/${BARE}\n1:name=systemd:/docker/${BARE}\n`,
  300: '0::/user.slice/user-1000.slice/session-2.scope\n',
  400: `0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod12_34.slice/docker-${GHOST}.scope\n`,
});

let dir: string;
let engine: FakeDockerEngine;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'docker-attestor-'));
  engine = await startFakeDockerEngine(join(dir, 'docker.sock'));
  engine.add({
    id: WEB,
    name: 'web',
    image: 'registry.example.org/team/web:1.4.2',
    labels: { 'com.example.app': 'web', tier: 'front:end', 'com.docker.compose.project': 'shop' },
    env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'MODE=prod', 'EQUALS=a=b'],
  });
  // Older engines send null for empty Labels / Env.
  engine.add({ id: BARE, name: 'bare', image: `sha256:${'9a'.repeat(32)}`, labels: null, env: null });
});
after(async () => {
  await engine.close();
  await rm(dir, { recursive: true, force: true });
});

const attestorFor = (config: { dockerVersion?: string } = {}) => createDockerAttestor({ dockerSocketPath: engine.socketPath, ...config }, PROC);

describe('docker attestor against the fake Engine API', () => {
  it('yields label, env and image_id selectors of the caller container', async () => {
    const selectors = await attestorFor().attest(100);
    assert.ok(selectors.every((s) => s.type === 'docker'));
    assert.deepEqual(selectors.map(formatSelector), [
      'docker:label:com.example.app:web',
      'docker:label:tier:front:end',
      'docker:label:com.docker.compose.project:shop',
      'docker:env:PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      'docker:env:MODE=prod',
      'docker:env:EQUALS=a=b',
      'docker:image_id:registry.example.org/team/web:1.4.2',
    ]);
    assert.deepEqual(engine.requests.at(-1), { method: 'GET', path: `/containers/${WEB}/json`, host: 'docker' });
  });

  it('null Labels and Env (cgroup v1 layout) give just the image', async () => {
    const selectors = await attestorFor().attest(200);
    assert.deepEqual(selectors.map(formatSelector), [`docker:image_id:sha256:${'9a'.repeat(32)}`]);
  });

  it('a process in no container gets no selectors and the engine is not asked', async () => {
    const before = engine.requests.length;
    assert.deepEqual(await attestorFor().attest(300), []);
    assert.equal(engine.requests.length, before);
  });

  it('calls the versioned path when docker_version is set', async () => {
    const selectors = await attestorFor({ dockerVersion: '1.41' }).attest(100);
    assert.equal(selectors.length, 7);
    assert.equal(engine.requests.at(-1)?.path, `/v1.41/containers/${WEB}/json`);
  });

  it("reports the engine's refusal of an API version", async () => {
    await assert.rejects(attestorFor({ dockerVersion: '1.99' }).attest(100), {
      code: 'ERR_AGENT_DOCKER_ATTESTATION',
      message: `the Docker Engine answered GET /v1.99/containers/${WEB}/json with 400: client version 1.99 is too new. Maximum supported API version is 1.47`,
    });
  });

  it('a container the engine does not know fails attestation (404)', async () => {
    await assert.rejects(attestorFor().attest(400), (err: unknown) =>
      err instanceof WorkloadAttestorError &&
      err.code === 'ERR_AGENT_DOCKER_ATTESTATION' &&
      err.message === `container ${GHOST} is not known to the Docker Engine at ${engine.socketPath} (No such container: ${GHOST}); is it run by Docker?`,
    );
  });

  it('a process that is gone fails attestation', async () => {
    await assert.rejects(attestorFor().attest(999), { code: 'ERR_AGENT_DOCKER_ATTESTATION', message: /cannot read \/proc\/999\/cgroup \(the process is gone\)/ });
  });

  it('an engine that is not there fails attestation, naming the socket', async () => {
    const missing = join(dir, 'no-docker.sock');
    await assert.rejects(createDockerAttestor({ dockerSocketPath: missing }, PROC).attest(100), {
      code: 'ERR_AGENT_DOCKER_ATTESTATION',
      message: new RegExp(`^cannot reach the Docker Engine API at ${missing}: connect ENOENT`),
    });
  });

  it('refuses malformed inspect answers', async () => {
    const expectMalformed = async (status: number, body: string, why: RegExp): Promise<void> => {
      engine.answerNextInspectWith(status, body);
      await assert.rejects(attestorFor().attest(100), (err: unknown) => err instanceof WorkloadAttestorError && why.test(err.message));
    };
    await expectMalformed(200, '{"Id": "x", ', /is not JSON/);
    await expectMalformed(200, '[]', /malformed: not an object/);
    await expectMalformed(200, JSON.stringify({ Id: WEB }), /malformed: no Config object/);
    await expectMalformed(200, JSON.stringify({ Id: GHOST, Config: {} }), /malformed: it describes container "c{64}"/);
    await expectMalformed(200, JSON.stringify({ Id: WEB, Config: { Labels: ['a'] } }), /Config.Labels is not an object/);
    await expectMalformed(200, JSON.stringify({ Id: WEB, Config: { Labels: { a: 1 } } }), /Config.Labels\["a"\] is not a string/);
    await expectMalformed(200, JSON.stringify({ Id: WEB, Config: { Env: ['A=1', 2] } }), /Config.Env is not a list of strings/);
    await expectMalformed(200, JSON.stringify({ Id: WEB, Config: { Image: 7 } }), /Config.Image is not a string/);
    await expectMalformed(500, 'Internal Server Error', /answered GET \/containers\/[0-9a-f]{64}\/json with 500: "Internal Server Error"/);
  });
});

describe('Docker Engine client limits', () => {
  it('stops reading an answer larger than maxResponseBytes', async () => {
    const client = createDockerEngineClient({ socketPath: engine.socketPath, maxResponseBytes: 512 });
    await assert.rejects(client.inspectContainer(WEB), /the Docker Engine response to GET \/containers\/[0-9a-f]{64}\/json is larger than 512 bytes/);
  });

  it('gives up on an engine that accepts the connection but never answers', async () => {
    const silentPath = join(dir, 'silent.sock');
    const accepted: net.Socket[] = [];
    const silent = net.createServer((socket) => void accepted.push(socket));
    await new Promise<void>((resolve) => silent.listen(silentPath, resolve));
    const client = createDockerEngineClient({ socketPath: silentPath, timeoutMs: 1 });
    await assert.rejects(client.inspectContainer(WEB), /cannot reach the Docker Engine API at .*silent\.sock: no answer to GET .* within 1 ms/);
    for (const socket of accepted) socket.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });

  it('checks the container id and the API version it is given', async () => {
    const client = createDockerEngineClient({ socketPath: engine.socketPath });
    await assert.rejects(client.inspectContainer('../../etc'), TypeError);
    assert.throws(() => createDockerEngineClient({ socketPath: engine.socketPath, apiVersion: 'v1.41' }), /docker_version: expected an Engine API version such as "1.41", got "v1.41"/);
  });
});

describe('decodeDockerAttestorConfig', () => {
  it('defaults to unix:///var/run/docker.sock and no version', () => {
    assert.deepEqual(decodeDockerAttestorConfig(undefined).config, { dockerSocketPath: '/var/run/docker.sock' });
    assert.deepEqual(decodeDockerAttestorConfig({ docker_socket_path: '' }).config, { dockerSocketPath: '/var/run/docker.sock' });
  });

  it('reads the socket URL and the version', () => {
    assert.deepEqual(decodeDockerAttestorConfig({ docker_socket_path: 'unix:///run/docker.sock', docker_version: '1.41' }).config, {
      dockerSocketPath: '/run/docker.sock',
      dockerVersion: '1.41',
    });
  });

  it('refuses other socket forms and bad versions, naming the key', () => {
    for (const url of ['tcp://127.0.0.1:2375', '/var/run/docker.sock', 'unix://relative.sock']) {
      assert.throws(
        () => decodeDockerAttestorConfig({ docker_socket_path: url }),
        (err: unknown) => err instanceof ConfigError && err.path === 'plugins.WorkloadAttestor.docker.plugin_data.docker_socket_path' && err.message.includes(JSON.stringify(url)),
      );
    }
    assert.throws(() => decodeDockerAttestorConfig({ docker_version: 'latest' }), { path: 'plugins.WorkloadAttestor.docker.plugin_data.docker_version' });
  });

  it('knows the other SPIRE keys and reports unknown ones', () => {
    const { unknownKeys } = decodeDockerAttestorConfig({ use_new_container_locator: true, podman_socket_path: 'unix:///run/podman/podman.sock', dockr_socket_path: 'x' });
    assert.deepEqual(unknownKeys.map((k) => k.path), ['plugins.WorkloadAttestor.docker.plugin_data.dockr_socket_path']);
  });
});
