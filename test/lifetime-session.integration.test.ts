import { describe, expect, it } from 'vitest';
import {
  closeAndSettle,
  endOf,
  logged,
  runLoop,
  startWithConfig,
  useLifetimeDaemons,
} from './lifetime-setup.js';
import { errorOf } from './daemon-setup.js';

// task/run lifetime "session" against a real daemon: a session task is stopped once no client of its
// session has been connected for sessionGraceMs, kept when one reconnects in time, and the grace is
// re-armed by a daemon that starts after a kill -9. "Kept" is proved without timing: a second session
// whose last client left AFTER the first one's is stopped by the same grace, and only then is the first
// session's task checked (Node fires timers of equal delay in the order they were armed, so the first
// session's stop, had it not been cancelled, would have come first).

useLifetimeDaemons();

describe('lifetime session', () => {
  it("stops the task once its session's last client has been gone for the grace; ends killed, saying why", async () => {
    const harness = await startWithConfig({ sessionGraceMs: 300 });
    const watcher = await harness.connect('watcher');
    const owner = await harness.connect('agent', 'S1');
    const second = await harness.connect('agent-2', 'S1');
    const task = await runLoop(owner, harness, { lifetime: 'session' });
    const persistent = await runLoop(owner, harness);
    expect(task).toMatchObject({ state: 'running', session: 'S1', lifetime: 'session' });
    expect(persistent.lifetime).toBeUndefined();

    // One of two clients leaving starts nothing (the session still has a client): one grace is logged, not two.
    await closeAndSettle(owner, watcher, 2);
    await closeAndSettle(second, watcher, 1);
    const ended = await endOf(watcher, task.id);

    expect(ended).toMatchObject({
      state: 'killed',
      signal: 'SIGTERM',
      lifetime: 'session',
      reason: 'stopped: no client of session S1 connected for 300ms',
    });
    expect(await logged(harness, 'no client of the session is connected')).toMatchObject([
      { session: 'S1', graceMs: 300 },
    ]);
    // The persistent task of the same session is not touched.
    expect((await watcher.request('task/get', { id: persistent.id })).state).toBe('running');
  });

  it('keeps the task when a client of its session reconnects within the grace', async () => {
    const harness = await startWithConfig({ sessionGraceMs: 1000 });
    const watcher = await harness.connect('watcher');
    const agentA = await harness.connect('agent', 'A');
    const agentB = await harness.connect('agent', 'B');
    const kept = await runLoop(agentA, harness, { lifetime: 'session' });
    const stopped = await runLoop(agentB, harness, { lifetime: 'session' });

    await closeAndSettle(agentA, watcher, 2);
    await closeAndSettle(agentB, watcher, 1);
    await harness.connect('agent', 'A');
    // The stop of A was pending, and the reconnect cancelled it.
    expect((await logged(harness, 'no client of the session is connected', 2)).map((l) => l.session)).toEqual(
      ['A', 'B'],
    );
    expect(await logged(harness, 'a client of the session reconnected')).toMatchObject([{ session: 'A' }]);

    expect((await endOf(watcher, stopped.id)).reason).toBe(
      'stopped: no client of session B connected for 1s',
    );
    // B's grace started after A's and has passed: A's task would have been stopped by now.
    expect(await watcher.request('task/get', { id: kept.id })).toMatchObject({ state: 'running' });
  });

  it('re-arms the grace in a daemon started after a kill -9: a reconnecting session keeps its task, another loses it', async () => {
    const harness = await startWithConfig({ sessionGraceMs: 1000 });
    const agentA = await harness.connect('agent', 'A');
    const agentB = await harness.connect('agent', 'B');
    // A first: the new daemon arms its sessions' graces in the order of their tasks.
    const kept = await runLoop(agentA, harness, { lifetime: 'session' });
    const stopped = await runLoop(agentB, harness, { lifetime: 'session' });

    await harness.kill9();
    await harness.start();
    await harness.connect('agent', 'A');
    const watcher = await harness.connect('watcher');
    expect((await logged(harness, 'no client of the session is connected', 2)).map((l) => l.session)).toEqual(
      ['A', 'B'],
    );
    expect(await logged(harness, 'a client of the session reconnected')).toMatchObject([{ session: 'A' }]);

    const ended = await endOf(watcher, stopped.id);
    expect(ended).toMatchObject({
      state: 'killed',
      reason: 'stopped: no client of session B connected for 1s',
    });
    expect(await watcher.request('task/get', { id: kept.id })).toMatchObject({
      state: 'running',
      pid: kept.pid,
    });
  });

  it('refuses lifetime session from a client without a session, saying how to give one', async () => {
    const harness = await startWithConfig({});
    const anonymous = await harness.connect('anonymous');
    const error = await errorOf(runLoop(anonymous, harness, { lifetime: 'session' }));
    expect(error.code).toBe(-32602);
    expect(error.data.reason).toBe('invalid_params');
    expect(error.message).toBe(
      'invalid params for task/run: lifetime: "session" needs a session, and this client gave none in ' +
        'daemon/initialize: initialize with a session (tend: --session or $TEND_SESSION), or use lifetime "persistent"',
    );
    expect((await anonymous.request('task/list', { limit: 10 })).tasks).toEqual([]);
  });

  it('refuses an unknown lifetime, naming both', async () => {
    const harness = await startWithConfig({});
    const agent = await harness.connect('agent', 'S');
    const error = await errorOf(runLoop(agent, harness, { lifetime: 'forever' }));
    expect(error.message).toBe(
      'invalid params for task/run: lifetime: must be "persistent" (runs until it ends or is stopped) or ' +
        '"session" (stopped when its session is gone) (got "forever")',
    );
  });
});
