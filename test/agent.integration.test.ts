import { mkdirSync, rmSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DaemonHarness, type RawClient } from './daemon-harness.js';
import { pollUntil } from './support/poll.mjs';
import { isAlive } from './support/processes.mjs';

let harness: DaemonHarness;
let client: RawClient;

beforeEach(async () => {
  harness = new DaemonHarness();
  await harness.start();
  client = await harness.connect('agent', 'conversation-1');
});
afterEach(async () => {
  await harness.cleanup();
});

async function restartDaemon(): Promise<void> {
  await harness.kill9();
  await harness.start();
}

/** A node one-liner that listens on 127.0.0.1 (port 0: the kernel picks) and prints `listening on <port>` after `delayMs`. */
function httpServer(delayMs = 300): string {
  const js = `setTimeout(()=>{const s=require('http').createServer((q,r)=>r.end('ok')).listen(0,'127.0.0.1',()=>console.log('listening on '+s.address().port))},${delayMs})`;
  return `exec node -e "${js}"`;
}

describe('incremental reads', () => {
  it('return only new bytes per reader, with a cursor that survives a daemon restart', async () => {
    const task = await client.request('task/run', {
      command: 'echo one; echo two; sleep 30',
      cwd: harness.home,
    });
    await pollUntil(
      'two lines',
      async () => (await client.request('task/output', { id: task.id })).data === 'one\ntwo\n',
    );
    expect((await client.request('task/output', { id: task.id, since: 'last' })).data).toBe('one\ntwo\n');
    expect((await client.request('task/output', { id: task.id, since: 'last' })).data).toBe('');
    // Another reader has its own cursor.
    expect((await client.request('task/output', { id: task.id, since: 'last', reader: 'other' })).data).toBe(
      'one\ntwo\n',
    );

    const appended = await client.request('task/run', {
      command: 'for i in 1 2 3; do echo "line $i"; done',
      cwd: harness.home,
    });
    await client.request('task/wait', { id: appended.id });
    expect((await client.request('task/output', { id: appended.id, since: 'last' })).data).toBe(
      'line 1\nline 2\nline 3\n',
    );
    await restartDaemon();
    client = await harness.connect('agent', 'conversation-1');
    expect((await client.request('task/output', { id: appended.id, since: 'last' })).data).toBe('');
    expect((await client.request('task/output', { id: task.id, since: 'last' })).data).toBe('');
  });

  it('long-polls: a read that finds nothing new answers as soon as output arrives', async () => {
    const task = await client.request('task/run', { command: 'sleep 0.4; echo late', cwd: harness.home });
    const started = Date.now();
    const result = await client.request('task/output', { id: task.id, since: 'last', waitMs: 10_000 });
    expect(result.data).toBe('late\n');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('are model-sized on request: head and tail kept, the omission counted, ANSI and progress redraws cleaned', async () => {
    const task = await client.request('task/run', {
      command: "seq 1 20000; printf '\\033[31mred\\033[0m\\n'; printf '10%%\\r50%%\\r100%%\\n'",
      cwd: harness.home,
    });
    await client.request('task/wait', { id: task.id });
    const view = await client.request('task/output', {
      id: task.id,
      since: 'last',
      maxBytes: 400,
      clean: true,
    });
    expect(Buffer.byteLength(view.data)).toBeLessThan(500);
    expect(view.data.startsWith('1\n2\n3\n')).toBe(true);
    expect(view.data.endsWith('20000\nred\n100%\n')).toBe(true);
    expect(view.data).toMatch(/\[… \d+ bytes omitted by tend …\]\n/);
    expect(view.omittedBytes).toBeGreaterThan(100_000);
    expect(view.nextOffset).toBe(view.totalBytes);
    const grep = await client.request('task/output', {
      id: task.id,
      offset: 0,
      grep: { pattern: '^1999[89]$', context: 1 },
    });
    expect(grep).toMatchObject({ data: '19997\n19998\n19999\n20000\n', matches: 2 });
  });
});

describe('the completion inbox', () => {
  it('hands a session the ends that happened while no client was connected, once, and not again after ack', async () => {
    const task = await client.request('task/run', {
      command: 'echo bye; sleep 0.3; exit 3',
      cwd: harness.home,
    });
    client.close();
    await pollUntil('the task to end with nobody connected', () => !isAlive(task.pid));
    await restartDaemon();
    const other = await harness.connect('someone-else', 'conversation-2');
    expect((await other.request('task/completions', {})).completions).toEqual([]);

    client = await harness.connect('agent', 'conversation-1');
    const inbox = await client.request('task/completions', {});
    expect(inbox.completions).toHaveLength(1);
    expect(inbox.completions[0]).toMatchObject({
      taskId: task.id,
      state: 'failed',
      exitCode: 3,
      session: 'conversation-1',
      tail: 'bye',
    });
    expect((await client.request('task/completions', {})).completions).toHaveLength(1);
    await client.request('task/completions', { ack: true });
    expect((await client.request('task/completions', {})).completions).toEqual([]);
    const resumed = await client.request('task/completions', { after: inbox.completions[0].seq - 1 });
    expect(resumed.completions.map((c: { taskId: string }) => c.taskId)).toEqual([task.id]);
  });

  it('notifies task/didExit with the sequence number of each end', async () => {
    const task = await client.request('task/run', { command: 'true', cwd: harness.home });
    await client.request('task/wait', { id: task.id });
    const note = await pollUntil('didExit', () =>
      client.notifications.find((n) => n.method === 'task/didExit'),
    );
    expect(note.params.completion).toMatchObject({ taskId: task.id, state: 'succeeded', exitCode: 0 });
    expect((await client.request('task/completions', {})).lastSeq).toBe(note.params.completion.seq);
  });
});

describe('readiness waits', () => {
  it('wait for a real HTTP server by output pattern, by port and by URL, and see its port in task/stats', async () => {
    const server = await client.request('task/run', {
      command: httpServer(),
      cwd: harness.home,
      name: 'web',
    });
    const byOutput = await client.request('task/wait', {
      id: server.id,
      until: { output: 'listening on \\d+' },
      timeoutMs: 10_000,
    });
    expect(byOutput.outcome).toBe('output');
    const port = Number(/(\d+)$/.exec(byOutput.match)?.[1]);
    expect(port).toBeGreaterThan(0);
    expect(
      (await client.request('task/wait', { id: server.id, until: { port }, timeoutMs: 10_000 })).outcome,
    ).toBe('port');
    const http = await client.request('task/wait', {
      id: server.id,
      until: { http: `http://127.0.0.1:${port}/` },
      timeoutMs: 10_000,
    });
    expect(http.outcome).toBe('http');
    const { stats } = await client.request('task/stats', { ids: ['web'] });
    expect(stats[0]).toMatchObject({ id: server.id, ports: [{ port, address: '127.0.0.1', family: 'tcp' }] });
    expect(stats[0].rssBytes).toBeGreaterThan(1_000_000);
    expect(stats[0].pids).toContain(server.pid);
  });

  it('report exited when the task ends first, and timeout when the time runs out', async () => {
    const quitter = await client.request('task/run', { command: 'sleep 0.2; exit 4', cwd: harness.home });
    const exited = await client.request('task/wait', {
      id: quitter.id,
      until: { port: 1 },
      timeoutMs: 10_000,
    });
    expect(exited).toMatchObject({ outcome: 'exited', task: { state: 'failed', exitCode: 4 } });
    const silent = await client.request('task/run', { command: 'sleep 30', cwd: harness.home });
    const timedOut = await client.request('task/wait', {
      id: silent.id,
      until: { output: 'never' },
      timeoutMs: 200,
    });
    expect(timedOut).toMatchObject({ outcome: 'timeout', task: { state: 'running' } });
    const unreachable = await client.request('task/wait', {
      id: silent.id,
      until: { http: 'http://127.0.0.1:9/' },
      timeoutMs: 300,
    });
    expect(unreachable.outcome).toBe('timeout');
  });

  it('counts a ready line printed before the wait, even once the task has ended', async () => {
    const task = await client.request('task/run', { command: 'echo ready; exit 0', cwd: harness.home });
    await client.request('task/wait', { id: task.id });
    expect(await client.request('task/wait', { id: task.id, until: { output: '^ready$' } })).toMatchObject({
      outcome: 'output',
      match: 'ready',
    });
  });
});

describe('idempotent start', () => {
  it('returns the live task for the same name, command and cwd, and refuses a conflicting command', async () => {
    const params = { command: 'sleep 30', cwd: harness.home, name: 'dev', reuse: true };
    const first = await client.request('task/run', params);
    const second = await client.request('task/run', params);
    expect(second).toMatchObject({ id: first.id, reused: true, state: 'running' });
    expect((await client.request('task/list', { name: 'dev' })).tasks).toHaveLength(1);
    const conflict = await client
      .request('task/run', { ...params, command: 'sleep 31' })
      .catch((e: unknown) => e);
    expect(conflict).toMatchObject({
      code: 2005,
      data: { reason: 'name_in_use', id: first.id, command: 'sleep 30' },
    });
    const racing = await Promise.all(
      [1, 2, 3].map(() => client.request('task/run', { ...params, name: 'race' })),
    );
    expect(new Set(racing.map((t) => t.id)).size).toBe(1);
  });
});

describe('sessions and workspaces', () => {
  it('filter task/list by the session that started a task and by workspace root', async () => {
    const mine = await client.request('task/run', { command: 'true', cwd: harness.home });
    const other = await harness.connect('agent-2', 'conversation-2');
    mkdirSync(`${harness.home}/sub`, { recursive: true });
    mkdirSync(`${harness.home}-sibling`, { recursive: true });
    const theirs = await other.request('task/run', { command: 'true', cwd: `${harness.home}/sub` });
    const sibling = await other.request('task/run', { command: 'true', cwd: `${harness.home}-sibling` });
    expect(mine.session).toBe('conversation-1');
    const ids = async (params: object) =>
      (await client.request('task/list', params)).tasks.map((t: { id: string }) => t.id).sort();
    expect(await ids({ session: 'conversation-1' })).toEqual([mine.id]);
    expect(await ids({ session: 'conversation-2' })).toEqual([theirs.id, sibling.id].sort());
    expect(await ids({ cwd: harness.home })).toEqual([mine.id, theirs.id].sort());
    // Any client may still see and act on every task of the user.
    expect((await other.request('task/get', { id: mine.id })).id).toBe(mine.id);
    rmSync(`${harness.home}-sibling`, { recursive: true, force: true });
  });
});
