/** The PID-reuse guard against a fake /proc reader, plus one check on this very process. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PeerCredError } from './errors.js';
import { attestWithPidGuard, checkSameProcess, identifyProcess, processStartTime } from './pid-guard.js';

/** A /proc/<pid>/stat line with `startTime` in field 22 and `comm` as given. */
function statLine(pid: number, startTime: number | string, comm = 'workload'): string {
  // fields 3..21 then 22 (starttime) then a few more
  const middle = ['S', '1', '1', '1', '0', '-1', '4194560', '100', '0', '0', '0', '1', '2', '0', '0', '20', '0', '1', '0'];
  return `${pid} (${comm}) ${middle.join(' ')} ${startTime} 1234567 890 18446744073709551615\n`;
}

/** A reader whose answers for each path are consumed in order (the last one repeats). */
function fakeProc(answers: Record<string, (string | NodeJS.ErrnoException)[]>) {
  const reads: string[] = [];
  const readFile = async (path: string): Promise<string> => {
    reads.push(path);
    const queue = answers[path];
    if (queue === undefined || queue.length === 0) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
    const answer = queue.length > 1 ? queue.shift()! : queue[0]!;
    if (answer instanceof Error) throw answer;
    return answer;
  };
  return { readFile, reads, procRoot: '/fakeproc' };
}

const enoent = (): NodeJS.ErrnoException => Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT' });

describe('processStartTime', () => {
  it('reads field 22', () => {
    assert.equal(processStartTime(statLine(42, 987654), 42), '987654');
  });

  it('counts fields after the last ")" so a command name with spaces and parens cannot shift them', () => {
    assert.equal(processStartTime(statLine(42, 555, 'evil) S 1 1 1 0 -1 9 9 9 9 9 9 9 9 9 9 9 9 9 777 (x'), 42), '555');
  });

  it('refuses malformed lines and lines for another pid', () => {
    assert.throws(() => processStartTime('42 workload S 1', 42), /no "\(comm\)" field/);
    assert.throws(() => processStartTime(statLine(43, 1), 42), /it is for pid "43"/);
    assert.throws(() => processStartTime('42 (w) S 1 2 3', 42), /field 22 \(starttime\) is missing/);
    assert.throws(() => processStartTime(statLine(42, 'x1'), 42), { name: 'PeerCredError', code: 'ERR_AGENT_PEERCRED_UNAVAILABLE' });
  });
});

describe('attestWithPidGuard', () => {
  it('returns the attestation when the process stayed the same', async () => {
    const proc = fakeProc({ '/fakeproc/42/stat': [statLine(42, 1000)] });
    const seen: number[] = [];
    const result = await attestWithPidGuard(42, async (pid) => (seen.push(pid), ['unix:uid:0']), proc);
    assert.deepEqual(result, ['unix:uid:0']);
    assert.deepEqual(seen, [42]);
    assert.deepEqual(proc.reads, ['/fakeproc/42/stat', '/fakeproc/42/stat']);
  });

  it('fails closed when the PID was reused during attestation (start time changed)', async () => {
    const proc = fakeProc({ '/fakeproc/42/stat': [statLine(42, 1000), statLine(42, 2000)] });
    await assert.rejects(
      attestWithPidGuard(42, async () => ['unix:uid:0'], proc),
      (err: unknown) =>
        err instanceof PeerCredError && err.code === 'ERR_AGENT_PEER_PROCESS_CHANGED' && /pid 42 was reused during attestation \(start time 1000, now 2000\)/.test(err.message),
    );
  });

  it('fails closed when the process exited during attestation', async () => {
    const proc = fakeProc({ '/fakeproc/42/stat': [statLine(42, 1000), enoent()] });
    await assert.rejects(attestWithPidGuard(42, async () => [], proc), { code: 'ERR_AGENT_PEER_PROCESS_CHANGED', message: /exited during attestation/ });
  });

  it('does not attest a process that is already gone', async () => {
    const proc = fakeProc({});
    let attested = false;
    await assert.rejects(
      attestWithPidGuard(42, async () => ((attested = true), []), proc),
      { code: 'ERR_AGENT_PEER_PROCESS_CHANGED', message: /exited before it could be attested/ },
    );
    assert.equal(attested, false);
  });

  it('an unreadable /proc is an error, not a pass', async () => {
    const eacces = Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
    const proc = fakeProc({ '/fakeproc/42/stat': [eacces] });
    await assert.rejects(attestWithPidGuard(42, async () => [], proc), { code: 'ERR_AGENT_PEERCRED_UNAVAILABLE', message: /cannot read \/fakeproc\/42\/stat: EACCES/ });
  });

  it('passes the attestor error through without checking again', async () => {
    const proc = fakeProc({ '/fakeproc/42/stat': [statLine(42, 1000)] });
    await assert.rejects(attestWithPidGuard(42, async () => Promise.reject(new Error('attestor broke')), proc), /attestor broke/);
    assert.equal(proc.reads.length, 1);
  });

  it('rejects a pid that is not a positive integer', async () => {
    await assert.rejects(identifyProcess(0), TypeError);
    await assert.rejects(identifyProcess(1.5), TypeError);
  });
});

describe('on the real /proc', () => {
  it('pins this process and finds it unchanged', async () => {
    const identity = await identifyProcess(process.pid);
    assert.match(identity.startTime, /^\d+$/);
    await checkSameProcess(identity);
    await assert.rejects(checkSameProcess({ pid: process.pid, startTime: `${identity.startTime}1` }), { code: 'ERR_AGENT_PEER_PROCESS_CHANGED' });
  });
});
