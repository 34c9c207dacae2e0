import { describe, expect, it } from 'vitest';
import { type DaemonInfo, TendClient } from '../packages/client/dist/index.js';
import { DAEMON_BIN } from './daemon-harness.js';
import { endOf, logged, runLoop, startWithConfig, useLifetimeDaemons } from './lifetime-setup.js';

// A TendClient with a session is present for it: after a daemon kill -9 it reconnects by itself (starting a
// daemon, as the MCP server's client does), without waiting for its next request, so the new daemon's
// grace for its session tasks is cancelled. Kept is proved as in lifetime-session: session B, whose
// grace was armed after A's, is stopped first.

useLifetimeDaemons();

describe('lifetime session with a TendClient', () => {
  it('keeps the session tasks of an idle client through a daemon kill -9: it reconnects at once', async () => {
    const harness = await startWithConfig({ sessionGraceMs: 1000 });
    const agent = await TendClient.connect({
      env: harness.env,
      daemonCommand: [process.execPath, DAEMON_BIN],
      clientName: 'agent',
      session: 'A',
    });
    try {
      const kept = await agent.run({
        command: runLoopCommand(harness.home),
        cwd: harness.home,
        lifetime: 'session',
      });
      harness.ownTask(kept);
      const other = await harness.connect('agent', 'B');
      const stopped = await runLoop(other, harness, { lifetime: 'session' });
      const reconnected = new Promise<DaemonInfo>((resolve) => agent.onReconnect(resolve));

      await harness.kill9();
      // The idle client starts the next daemon itself; recorded for cleanup.
      const daemon = await reconnected;
      harness.own(daemon.pid);
      const watcher = await harness.connect('watcher');
      expect(await logged(harness, 'a client of the session reconnected')).toMatchObject([{ session: 'A' }]);

      expect(await endOf(watcher, stopped.id)).toMatchObject({
        state: 'killed',
        reason: 'stopped: no client of session B connected for 1s',
      });
      expect(await watcher.request('task/get', { id: kept.id })).toMatchObject({
        state: 'running',
        pid: kept.pid,
      });
    } finally {
      await agent.close();
    }
  });
});

/** The command of runLoop, for a client that is not a RawClient. */
function runLoopCommand(home: string): string {
  return `while [ -d '${home}' ]; do sleep 0.05; done`;
}
