import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DaemonHarness, type RawClient } from './daemon-harness.js';
import { tend } from './helpers.js';
import { pollUntil } from './support/poll.mjs';

// A user's pattern is matched with RE2 semantics (linear time): a pathological one must not stall the
// daemon's event loop, which serves every client, the watchdog and the timers.

/** The figure: `^(a+)+$` against a 29-character line blocked every client for 21 s. */
const EVIL_LINE = `${'a'.repeat(28)}!`;
/** Classic catastrophic-backtracking patterns; each explodes on EVIL_LINE in a backtracking engine. */
const CATASTROPHIC = [
  '^(a+)+$',
  '^(a|aa)+$',
  '^(a|a?)+$',
  '^(\\w+\\s?)*$',
  '^([a-zA-Z0-9]+)*@x\\.com$',
  '^(.*a){25}$',
];
/**
 * Longest a second client's probe may wait (ms). Generous for two busy cores; the backtracking
 * engine kept it waiting 21 s (measured: 2026-11-30, this machine, 29-character line).
 */
const PROBE_BUDGET_MS = 3_000;

let harness: DaemonHarness;
let agent: RawClient;
let editor: RawClient;

beforeEach(async () => {
  harness = new DaemonHarness();
  await harness.start();
  agent = await harness.connect('agent');
  editor = await harness.connect('editor');
});
afterEach(async () => {
  await harness.cleanup();
});

/**
 * Sends `daemon/status` probes on `client`, one after another, until `work` settles, then one more.
 * @returns the longest time (ms) one probe waited for its answer.
 */
async function longestProbeWait(client: RawClient, work: Promise<unknown>): Promise<number> {
  let settled = false;
  void work.finally(() => (settled = true)).catch(() => undefined);
  let longest = 0;
  for (let last = false; !last; ) {
    last = settled;
    const sent = Date.now();
    await client.request('daemon/status');
    longest = Math.max(longest, Date.now() - sent);
  }
  return longest;
}

describe('a pathological user pattern', () => {
  it('in task/output grep does not keep another client waiting, and finds no match', async () => {
    const task = await agent.request('task/run', {
      command: `printf '${EVIL_LINE}\\nok\\n'`,
      cwd: harness.home,
    });
    await agent.request('task/wait', { id: task.id });
    const grep = agent.request('task/output', { id: task.id, grep: { pattern: '^(a+)+$' } });
    const longest = await longestProbeWait(editor, grep);
    console.log(`longest wait of a probe behind grep ^(a+)+$ on a 29-character line: ${longest} ms`);
    expect(longest).toBeLessThan(PROBE_BUDGET_MS);
    expect(await grep).toMatchObject({ data: '', matches: 0 });
  });

  it('in task/wait until.output does not keep another client waiting, and the wait still ends on its timeout', async () => {
    const task = await agent.request('task/run', {
      command: `printf '${EVIL_LINE}\\n'; exec sleep 30`,
      cwd: harness.home,
    });
    const wait = agent.request('task/wait', { id: task.id, until: { output: '^(a+)+$' }, timeoutMs: 1_000 });
    const longest = await longestProbeWait(editor, wait);
    console.log(`longest wait of a probe behind until.output ^(a+)+$: ${longest} ms`);
    expect(longest).toBeLessThan(PROBE_BUDGET_MS);
    expect((await wait).outcome).toBe('timeout');
  });

  it('of each classic catastrophic kind, run concurrently, leaves the daemon answering', async () => {
    const task = await agent.request('task/run', {
      command: `printf '${EVIL_LINE}\\nword word\\n'`,
      cwd: harness.home,
    });
    await agent.request('task/wait', { id: task.id });
    const greps = Promise.all(
      CATASTROPHIC.map((pattern) => agent.request('task/output', { id: task.id, grep: { pattern } })),
    );
    expect(await longestProbeWait(editor, greps)).toBeLessThan(PROBE_BUDGET_MS);
    // RE2 gives the same answers a backtracking engine would, had it finished: only `^(\w+\s?)*$` matches "word word".
    expect((await greps).map((r: { matches: number }) => r.matches)).toEqual([0, 0, 0, 1, 0, 0]);
  });
});

describe('a pattern RE2 cannot express', () => {
  it('is refused as invalid params, naming the pattern and why', async () => {
    const task = await agent.request('task/run', { command: 'echo abab', cwd: harness.home });
    const refusal = (params: object) =>
      agent.request('task/output', { id: task.id, ...params }).then(
        () => undefined,
        (e: { code: number; message: string }) => e,
      );
    const backreference = await refusal({ grep: { pattern: '(ab)\\1' } });
    expect(backreference?.code).toBe(-32602);
    expect(backreference?.message).toContain(
      'grep.pattern: refused: backreferences (\\1, \\k<name>) are not supported',
    );
    expect(backreference?.message).toContain('(got "(ab)\\\\1")');
    const lookahead = await agent.request('task/wait', { id: task.id, until: { output: 'a(?=b)' } }).then(
      () => undefined,
      (e: { code: number; message: string }) => e,
    );
    expect(lookahead?.code).toBe(-32602);
    expect(lookahead?.message).toMatch(
      /until\.output: refused: lookahead and lookbehind .* not supported: tend matches regular expressions in RE2 syntax/,
    );
    // The daemon still serves.
    await pollUntil('an answer after the refusals', async () => (await editor.request('daemon/status')).pid);
  });

  it('is refused by the CLI before it asks the daemon, with the option, the pattern and why', async () => {
    const task = await agent.request('task/run', { command: 'echo abab', cwd: harness.home });
    const logs = await tend(harness.home, ['logs', task.id, '--grep', '(ab)\\1']);
    expect(logs.code).not.toBe(0);
    expect(logs.stderr).toContain('--grep: pattern "(ab)\\\\1" is refused: backreferences');
    const wait = await tend(harness.home, ['wait', task.id, '--until-output', '(?<=a)b']);
    expect(wait.code).not.toBe(0);
    expect(wait.stderr).toContain('--until-output: pattern "(?<=a)b" is refused: lookahead and lookbehind');
  });
});
