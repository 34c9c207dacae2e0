import { join } from 'node:path';
import type { Task } from '@tend/protocol';
import { describe, expect, it } from 'vitest';
import { daemonPid, tend, tendJson } from './helpers.js';
import { isAlive } from './support/processes.mjs';
import { endedTask, home, runTask, useTendHome } from './cli-setup.js';

useTendHome();

describe('tend kill, stop and rm', () => {
  it('kills a running task with SIGKILL, after which wait exits 137 and rm removes it', async () => {
    const id = await runTask(['--', 'sleep 30']);
    const killed = await tend(home, ['kill', id]);
    expect(killed.code).toBe(0);
    expect(killed.stdout).toBe(`${id}\n`);
    const waited = await tend(home, ['wait', id]);
    expect([137, 143]).toContain(waited.code);
    expect(await endedTask(id)).toMatchObject({ state: 'killed' });

    const removed = await tendJson<Task>(home, ['rm', id]);
    expect(removed.id).toBe(id);
    expect((await tendJson<Task[]>(home, ['ps', '-a'])).some((t) => t.id === id)).toBe(false);
  });

  it('stops a running task with SIGTERM and returns once it has ended', async () => {
    const id = await runTask(['--', 'sleep 30']);
    const stopped = await tendJson<Task>(home, ['stop', '-t', '5s', id]);
    expect(stopped).toMatchObject({ id, state: 'killed' });
    expect((await tend(home, ['wait', id])).code).toBe(143);
  });

  it('accepts kill -s with a short name, a full name or a number, and rejects an unknown signal', async () => {
    for (const signal of ['TERM', 'SIGTERM', '15']) {
      const id = await runTask(['--', 'sleep 30']);
      expect((await tend(home, ['kill', '-s', signal, id])).code, signal).toBe(0);
      expect((await tend(home, ['wait', id])).code, signal).toBe(143);
      expect(await endedTask(id), signal).toMatchObject({ state: 'killed', signal: 'SIGTERM' });
    }
    const bad = await tend(home, ['kill', '-s', 'NOPE', 'whatever']);
    expect(bad.code).toBe(125);
    expect(bad.stderr).toBe(
      'tend: unknown signal "NOPE"; give a name like TERM or SIGKILL, or a number like 15\n',
    );
  });

  it('refuses to remove a live task without -f and removes it with -f', async () => {
    const id = await runTask(['--', 'sleep 30']);
    const refused = await tend(home, ['rm', id]);
    expect(refused.code).toBe(125);
    expect(refused.stderr).toMatch(/^tend: /);
    expect((await tend(home, ['rm', '-f', id])).code).toBe(0);
    expect((await tendJson<Task[]>(home, ['ps', '-a'])).some((t) => t.id === id)).toBe(false);
  });
});

describe('tend errors', () => {
  it('exits 125 with a message naming an unknown task id, for every command that takes one', async () => {
    for (const command of [['logs'], ['wait'], ['inspect'], ['kill'], ['stop'], ['rm']]) {
      const result = await tend(home, [...command, 'nosuchtask']);
      expect(result.code, command.join(' ')).toBe(125);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/^tend: .*nosuchtask/);
    }
  });

  it('exits 125 with a tend: message for usage errors, naming the bad argument', async () => {
    const badEnv = await tend(home, ['run', '-e', '=NOKEY', '--', 'true']);
    expect(badEnv.code).toBe(125);
    expect(badEnv.stderr).toMatch(/^tend: .*=NOKEY.*KEY=VALUE/);
    const badDuration = await tend(home, ['wait', '--timeout', 'soon', 'x']);
    expect(badDuration.code).toBe(125);
    expect(badDuration.stderr).toMatch(/^tend: .*"soon" is not a duration/);
    const unknown = await tend(home, ['frobnicate']);
    expect(unknown.code).toBe(125);
    expect(unknown.stderr).toMatch(/^tend: unknown command 'frobnicate'/);
    expect((await tend(home, ['run'])).code).toBe(125);
    // None of these needed a daemon.
    expect(daemonPid(home)).toBeUndefined();
  });

  it('exits 0 for --help and --version and lists the exit codes in the help', async () => {
    const help = await tend(home, ['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/125 +tend itself failed/);
    expect((await tend(home, ['--version'])).code).toBe(0);
  });
});

describe('tend daemon', () => {
  it('reports pid, version, protocol version, socket and start time with daemon status --json', async () => {
    const started = await tend(home, ['daemon', 'start']);
    expect(started.code).toBe(0);
    const pid = Number(started.stdout.trim());
    const status = await tendJson<Record<string, unknown>>(home, ['daemon', 'status']);
    expect(status).toMatchObject({
      pid,
      version: expect.any(String),
      protocolVersion: expect.any(Number),
      socket: join(home, 'run', 'tend.sock'),
    });
    expect(Date.parse(status.startedAt as string)).not.toBeNaN();
    expect(daemonPid(home)).toBe(pid);
  });

  it('stops the daemon and waits for its process to be gone; status then exits 125', async () => {
    const pid = Number((await tend(home, ['daemon', 'start'])).stdout.trim());
    const stopped = await tend(home, ['daemon', 'stop']);
    expect(stopped.code).toBe(0);
    expect(isAlive(pid)).toBe(false);
    const status = await tend(home, ['daemon', 'status']);
    expect(status.code).toBe(125);
    expect(status.stderr).toMatch(/^tend: daemon is not running/);
    const again = await tend(home, ['daemon', 'stop']);
    expect(again.code).toBe(0);
  });

  it('restarts the daemon while a task keeps running, and the new daemon still knows the task', async () => {
    const id = await runTask(['--', 'sleep 30']);
    const before = await tendJson<Task>(home, ['inspect', id]);
    const oldPid = daemonPid(home)!;
    const restarted = await tend(home, ['daemon', 'restart']);
    expect(restarted.code).toBe(0);
    const newPid = Number(restarted.stdout.trim());
    expect(newPid).not.toBe(oldPid);
    expect(isAlive(oldPid)).toBe(false);
    const after = await tendJson<Task>(home, ['inspect', id]);
    expect(after).toMatchObject({ id, state: 'running', pid: before.pid });
    expect((await tend(home, ['kill', id])).code).toBe(0);
    expect([137, 143]).toContain((await tend(home, ['wait', id])).code);
  });
});
