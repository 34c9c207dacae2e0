import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Task } from '@tend/protocol';
import { describe, expect, it } from 'vitest';
import { endedTask, home, useTendHome } from './cli-setup.js';
import { daemonPid, tend, tendJson } from './helpers.js';

// `tend run --lifetime` and `--ttl` through the CLI to the daemon and back (`ps --json`, the ps table),
// and their refusals. The daemon-side behaviour (grace, reconnect, restarts) is in lifetime-*.integration.

useTendHome();

/** A command that runs until SIGTERM, or until the test's home is removed. */
const loop = () => `while [ -d '${home}' ]; do sleep 0.05; done`;

describe('tend run --lifetime / --ttl', () => {
  it('gives ps --json the ttl and its expiry, and the ps table a ttl marker in STATE', async () => {
    const task = await tendJson<Task>(home, ['run', '--ttl', '2h', '--', loop()]);
    expect(task).toMatchObject({ state: 'running', ttlMs: 7_200_000 });
    expect(task.lifetime).toBeUndefined();
    const [listed] = await tendJson<Task[]>(home, ['ps']);
    expect(listed).toMatchObject({ id: task.id, ttlMs: 7_200_000, expiresAt: task.expiresAt });
    expect(Date.parse(listed?.expiresAt as string)).toBe(Date.parse(task.startedAt as string) + 7_200_000);
    const table = (await tend(home, ['ps'])).stdout;
    expect(table).toMatch(new RegExp(`^${task.id} +running \\(ttl 1h59m\\) `, 'm'));
  });

  it('ends a --lifetime session task once the session has had no client for the grace (sessionGraceMs)', async () => {
    mkdirSync(join(home, 'config'), { recursive: true, mode: 0o700 });
    writeFileSync(join(home, 'config', 'config.json'), JSON.stringify({ sessionGraceMs: 300 }));
    // The run command is the session's only client: once it has exited, the grace starts.
    const task = await tendJson<Task>(home, ['run', '--lifetime', 'session', '--session', 'S', '--', loop()]);
    expect(task).toMatchObject({ state: 'running', session: 'S', lifetime: 'session' });
    const ended = await endedTask(task.id);
    expect(ended).toMatchObject({
      state: 'killed',
      lifetime: 'session',
      reason: 'stopped: no client of session S connected for 300ms',
    });
  });

  it('shows a live session task as "running (session)" in ps, its session given by TEND_SESSION', async () => {
    const run = await tend(home, ['--json', 'run', '--lifetime', 'session', '--', loop()], {
      env: { TEND_SESSION: 'agent-7' },
    });
    const task = JSON.parse(run.stdout) as Task;
    expect(task).toMatchObject({ session: 'agent-7', lifetime: 'session' });
    // The default grace is a minute: the task is still live for this ps.
    expect((await tend(home, ['ps'])).stdout).toMatch(new RegExp(`^${task.id} +running \\(session\\) `, 'm'));
  });

  it('refuses --ttl 0, --lifetime forever and --lifetime session without a session, without a daemon', async () => {
    const zero = await tend(home, ['run', '--ttl', '0', '--', 'true']);
    expect(zero.code).toBe(125);
    expect(zero.stderr).toBe(
      `tend: option '--ttl <duration>' argument '0' is invalid. "0" is too short: it must be more than 0; leave --ttl out for no time limit\n`,
    );
    const forever = await tend(home, ['run', '--lifetime', 'forever', '--', 'true']);
    expect(forever.code).toBe(125);
    expect(forever.stderr).toBe(
      "tend: option '--lifetime <policy>' argument 'forever' is invalid. use persistent (runs until it ends or is " +
        'stopped) or session (stopped once its session has no client)\n',
    );
    const sessionless = await tend(home, ['run', '--lifetime', 'session', '--', 'true']);
    expect(sessionless.code).toBe(125);
    expect(sessionless.stderr).toBe(
      'tend: --lifetime session ends the task with its session, and none is given: add --session <id> or set ' +
        'TEND_SESSION (and keep a client of that session connected, e.g. tend mcp or tend logs -f)\n',
    );
    expect(daemonPid(home)).toBeUndefined();
  });

  it('describes both options in tend run --help', async () => {
    const help = (await tend(home, ['run', '--help'])).stdout.replace(/\s+/g, ' ');
    expect(help).toContain('--lifetime <policy> persistent (default)');
    expect(help).toContain('(config sessionGraceMs)');
    expect(help).toContain('--ttl <duration> time to live');
  });
});
