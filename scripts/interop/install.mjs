#!/usr/bin/env node
// Installs the real SPIFFE/SPIRE peers that test/interop runs against, at the versions pinned in
// scripts/interop/versions.json, into .interop/ (git-ignored), reusing what is already there:
//   .interop/bin/spire-server, spire-agent   SPIRE, built from its Go module (cgo for sqlite3)
//   .interop/bin/spiffe-helper               the Go spiffe-helper
//   .interop/bin/workloadclient, mtls        our go-spiffe test programs (test/interop/go)
//   .interop/venv                            Python venv with py-spiffe (`spiffe` on PyPI)
//   .interop/status.json                     per peer: ok + path, or the reason it is unavailable
// A peer that cannot be built is reported here and in status.json; the tests then skip with that
// reason. Exit code is 0 unless the installer itself is broken (bad versions.json, pin drift).
// Env: TSPIRE_INTEROP_DIR (default <repo>/.interop).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = process.env.TSPIRE_INTEROP_DIR ?? join(root, '.interop');
const paths = { bin: join(dir, 'bin'), logs: join(dir, 'logs'), build: join(dir, 'build'), stamps: join(dir, 'stamps'), venv: join(dir, 'venv') };
const versions = JSON.parse(readFileSync(join(root, 'scripts/interop/versions.json'), 'utf8'));
const programsDir = join(root, 'test/interop/go');
for (const p of Object.values(paths)) if (p !== paths.venv) mkdirSync(p, { recursive: true });

const goEnv = {
  ...process.env,
  GOTOOLCHAIN: 'local', // never download a toolchain: the installed go must be new enough
  GOFLAGS: '-mod=mod -buildvcs=false',
  GOBIN: paths.bin,
};

/** Runs a command, appending its output to logs/<log>.log; resolves with exit code and output. */
function sh(cmd, args, { cwd = root, env = process.env, log } = {}) {
  return new Promise((resolve) => {
    const out = log ? createWriteStream(join(paths.logs, `${log}.log`), { flags: 'a' }) : undefined;
    out?.write(`\n$ ${cmd} ${args.join(' ')}   (cwd ${cwd}, ${new Date().toISOString()})\n`);
    let text = '';
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const collect = (d) => {
      text += d;
      out?.write(d);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', (err) => {
      out?.end();
      resolve({ code: -1, out: `${cmd}: ${err.message}` });
    });
    child.on('close', (code) => {
      out?.end();
      resolve({ code: code ?? -1, out: text });
    });
  });
}

const tail = (text, lines = 12) => text.trim().split('\n').filter((l) => !l.startsWith('go: downloading')).slice(-lines).join('\n');
const parseVersion = (v) => v.replace(/^go/, '').split('.').map((n) => Number.parseInt(n, 10) || 0);
function versionAtLeast(have, want) {
  const a = parseVersion(have);
  const b = parseVersion(want);
  for (let i = 0; i < Math.max(a.length, b.length); i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  return true;
}
const goDirective = (goModText) => /^go\s+(\S+)/m.exec(goModText)?.[1];
const hashOf = (...parts) => createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 16);

function stampMatches(name, key, binaries) {
  const file = join(paths.stamps, `${name}.json`);
  if (!existsSync(file) || !binaries.every((b) => existsSync(join(paths.bin, b)))) return false;
  return JSON.parse(readFileSync(file, 'utf8')).key === key;
}
const writeStamp = (name, key) => writeFileSync(join(paths.stamps, `${name}.json`), JSON.stringify({ key, at: new Date().toISOString() }) + '\n');

class Unavailable extends Error {}

/** The installed Go version, or Unavailable. */
async function goVersion() {
  const result = await sh('go', ['env', 'GOVERSION'], { env: goEnv });
  if (result.code !== 0) throw new Unavailable(`no Go toolchain on PATH (${tail(result.out, 2)}); install Go >= the version in the module's go directive`);
  return result.out.trim();
}

/** Downloads `module@version` into the module cache and returns its go.mod text. */
async function downloadModule(module, version, log) {
  const result = await sh('go', ['mod', 'download', '-json', `${module}@${version}`], { env: goEnv, log });
  const info = result.code === 0 ? JSON.parse(result.out) : undefined;
  if (!info?.GoMod) throw new Unavailable(`cannot download ${module}@${version} from the Go module proxy:\n${tail(result.out, 4)}`);
  return readFileSync(info.GoMod, 'utf8');
}

async function moduleAvailable(module, version, log) {
  const result = await sh('go', ['mod', 'download', '-json', `${module}@${version}`], { env: goEnv, log });
  return result.code === 0 && !JSON.parse(result.out).Error;
}

async function hasCCompiler() {
  for (const cc of [process.env.CC, 'gcc', 'cc', 'clang'].filter(Boolean)) if ((await sh(cc, ['--version'])).code === 0) return cc;
  return undefined;
}

/**
 * Builds the main packages of a pinned Go module through a throwaway wrapper module in
 * .interop/build/<name> (plain `go install pkg@version` also consults the proxy's version list,
 * which the proxy here refuses). Unavailable dependency versions get the replacement pinned in
 * versions.json, and that is recorded.
 */
async function buildGoModule(name, spec, binaries) {
  const go = await goVersion();
  const key = hashOf(spec, go);
  if (stampMatches(name, key, binaries)) return { reused: true, notes: readNotes(name) };
  const goMod = await downloadModule(spec.module, spec.version, name);
  const wanted = goDirective(goMod);
  if (wanted && !versionAtLeast(go, wanted)) throw new Unavailable(`${spec.module}@${spec.version} needs Go ${wanted} (go directive); installed ${go}`);
  const env = { ...goEnv, CGO_ENABLED: spec.cgo ? '1' : '0' };
  if (spec.cgo && !(await hasCCompiler())) throw new Unavailable(`no C compiler (gcc/cc/clang) for cgo: SPIRE's sqlite3 datastore needs one (apt-get install gcc)`);
  const notes = [];
  const replaces = [];
  for (const fb of spec.fallbacks ?? []) {
    if (await moduleAvailable(fb.module, fb.version, name)) continue;
    replaces.push(`replace ${fb.module} ${fb.version} => ${fb.module} ${fb.replacement}`);
    notes.push(`${fb.module} ${fb.version} replaced by ${fb.replacement}: ${fb.why}`);
  }
  const work = join(paths.build, name);
  mkdirSync(work, { recursive: true });
  writeFileSync(join(work, 'go.mod'), `module tspire.local/interop/${name}\n\ngo ${wanted ?? '1.22'}\n\nrequire ${spec.module} ${spec.version}\n\n${replaces.join('\n')}\n`);
  const pkgs = spec.packages.map((p) => `${spec.module}/${p}`);
  const result = await sh('go', ['build', '-trimpath', '-ldflags', spec.ldflags ?? '', '-o', paths.bin + '/', ...pkgs], { cwd: work, env, log: name });
  if (result.code !== 0) throw new Unavailable(`go build of ${spec.module}@${spec.version} failed (log: ${join(paths.logs, name + '.log')}):\n${tail(result.out)}`);
  writeFileSync(join(paths.stamps, `${name}.notes.json`), JSON.stringify(notes) + '\n');
  writeStamp(name, key);
  return { reused: false, notes };
}

function readNotes(name) {
  const file = join(paths.stamps, `${name}.notes.json`);
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : [];
}

/** Our go-spiffe test programs: go.mod must pin the same go-spiffe as versions.json. */
async function buildPrograms() {
  const goMod = readFileSync(join(programsDir, 'go.mod'), 'utf8');
  const required = new RegExp(`^\\s*(?:require\\s+)?${versions.goSpiffe.module.replace(/[./]/g, '\\$&')}\\s+(\\S+)`, 'm').exec(goMod)?.[1];
  if (required !== versions.goSpiffe.version) {
    throw new Error(`test/interop/go/go.mod requires go-spiffe ${required}, versions.json pins ${versions.goSpiffe.version}: make them agree`);
  }
  const go = await goVersion();
  const wanted = goDirective(goMod);
  if (wanted && !versionAtLeast(go, wanted)) throw new Unavailable(`test/interop/go needs Go ${wanted}; installed ${go}`);
  const sources = [];
  const walk = (d) => {
    for (const n of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(d, n.name);
      if (n.isDirectory()) walk(p);
      else if (/\.(go|mod|sum)$/.test(n.name)) sources.push([p.slice(programsDir.length), readFileSync(p, 'utf8')]);
    }
  };
  walk(programsDir);
  const key = hashOf(sources, go);
  const binaries = versions.goSpiffe.programs;
  if (stampMatches('go-programs', key, binaries)) return { reused: true, notes: [] };
  const env = { ...goEnv, CGO_ENABLED: '0', GOFLAGS: '-mod=readonly -buildvcs=false' };
  const result = await sh('go', ['build', '-trimpath', '-o', paths.bin + '/', ...binaries.map((b) => `./${b}`)], { cwd: programsDir, env, log: 'go-programs' });
  if (result.code !== 0) throw new Unavailable(`go build of test/interop/go failed:\n${tail(result.out)}`);
  writeStamp('go-programs', key);
  return { reused: false, notes: [] };
}

/** .interop/venv with py-spiffe at the pinned version. */
async function installPython() {
  const python = join(paths.venv, 'bin', 'python');
  const want = versions.pySpiffe.version;
  const installed = async () => {
    const r = await sh(python, ['-c', `import importlib.metadata as m; print(m.version(${JSON.stringify(versions.pySpiffe.package)}))`]);
    return r.code === 0 ? r.out.trim() : undefined;
  };
  if (existsSync(python) && (await installed()) === want) return { reused: true, notes: [] };
  if (!existsSync(python)) {
    const venv = await sh(process.env.PYTHON ?? 'python3', ['-m', 'venv', paths.venv], { log: 'python' });
    if (venv.code !== 0) throw new Unavailable(`cannot create a Python venv (python3 -m venv; on Debian apt-get install python3-venv):\n${tail(venv.out, 4)}`);
  }
  const pip = await sh(python, ['-m', 'pip', 'install', '--disable-pip-version-check', '-q', `${versions.pySpiffe.package}==${want}`], { log: 'python' });
  if (pip.code !== 0 || (await installed()) !== want) throw new Unavailable(`pip install ${versions.pySpiffe.package}==${want} failed:\n${tail(pip.out, 6)}`);
  return { reused: false, notes: [] };
}

const status = { versions, dir, startedAt: new Date().toISOString(), peers: {}, timingsMs: {} };

/** Runs one install step and records each of its peers as ok or unavailable (never throws Unavailable). */
async function step(name, peers, fn) {
  const started = Date.now();
  try {
    const { reused, notes } = await fn();
    for (const [peer, path] of Object.entries(peers)) status.peers[peer] = { ok: true, path, reused, notes };
    console.log(`interop: ${name}: ${reused ? 'reused' : 'built'} (${((Date.now() - started) / 1000).toFixed(1)} s)${notes.map((n) => `\n  note: ${n}`).join('')}`);
  } catch (err) {
    if (!(err instanceof Unavailable)) throw err;
    for (const peer of Object.keys(peers)) status.peers[peer] = { ok: false, reason: err.message };
    console.log(`interop: UNAVAILABLE ${name}: ${err.message}`);
  } finally {
    status.timingsMs[name] = Date.now() - started;
  }
}

const started = Date.now();
const bin = (b) => join(paths.bin, b);
const goChain = (async () => {
  await step('go-programs', Object.fromEntries(versions.goSpiffe.programs.map((p) => [`go-spiffe:${p}`, bin(p)])), buildPrograms);
  await step('spire', { 'spire-server': bin('spire-server'), 'spire-agent': bin('spire-agent') }, () =>
    buildGoModule('spire', versions.spire, ['spire-server', 'spire-agent']),
  );
  await step('spiffe-helper', { 'spiffe-helper': bin('spiffe-helper') }, () => buildGoModule('spiffe-helper', versions.spiffeHelper, ['spiffe-helper']));
})();
const python = step('py-spiffe', { 'py-spiffe': join(paths.venv, 'bin', 'python') }, installPython);
await Promise.all([goChain, python]);
status.timingsMs.total = Date.now() - started;
status.finishedAt = new Date().toISOString();
writeFileSync(join(dir, 'status.json'), JSON.stringify(status, null, 2) + '\n');
const missing = Object.entries(status.peers).filter(([, p]) => !p.ok).map(([n]) => n);
console.log(`interop: peers ready in ${(status.timingsMs.total / 1000).toFixed(1)} s${missing.length ? `; UNAVAILABLE: ${missing.join(', ')} (tests using them skip)` : ''}`);
