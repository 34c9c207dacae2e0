#!/usr/bin/env -S node --max-semi-space-size=1
// The daemon's foreground entry: `node --max-semi-space-size=1 dist/bin.js` (clients spawn it detached;
// the flag keeps V8's young generation small, see DAEMON_NODE_FLAGS in the CLI's connect.ts).
import { resolve } from 'node:path';
import { DaemonLockedError } from './runtime/lock.js';
import { startDaemon } from './daemon.js';
import { StoppedMeanwhileError } from './runtime/stop-mark.js';
import { reportStartStatus, takeDaemonOnlyEnv, takeStartStatusFd } from './start-status.js';

// Hold no user directory open (a daemon started from a project folder would pin it),
// after making the path variables absolute, as they were meant from the old cwd.
for (const name of ['TEND_HOME', 'TEND_SOCKET', 'XDG_RUNTIME_DIR', 'XDG_STATE_HOME', 'XDG_CONFIG_HOME']) {
  const value = process.env[name];
  if (value) process.env[name] = resolve(value);
}
process.chdir('/');
/** Signals that stop the daemon as `tend daemon stop` does (systemctl stop, kill, Ctrl-C); tasks keep running. */
const SHUTDOWN_SIGNALS = ['SIGTERM', 'SIGINT'] as const;

const statusFd = takeStartStatusFd();
takeDaemonOnlyEnv();
try {
  // The process's start: a deliberate stop of another daemon while this one was loading counts (stop-mark.ts).
  const daemon = await startDaemon({ startedAtMs: performance.timeOrigin });
  reportStartStatus(statusFd);
  for (const signal of SHUTDOWN_SIGNALS) process.on(signal, () => void daemon.shutdown());
  // No terminal to hang up on: a HUP must not end the daemon.
  process.on('SIGHUP', () => daemon.logger.info('SIGHUP ignored'));
  await daemon.closed;
  process.exit(0);
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  // stderr is the daemon log, which a full disk may refuse: that must not hide why.
  process.stderr.on('error', () => undefined);
  if (error instanceof DaemonLockedError) {
    // Losing the start race to another daemon is no failure for the client that spawned this one.
    reportStartStatus(statusFd);
    process.stderr.write(
      error instanceof StoppedMeanwhileError
        ? `tend daemon: not started: ${message}\n`
        : `tend daemon: another daemon is already running (${message})\n`,
    );
  } else {
    const line = `tend daemon: could not start: ${message}\n`;
    reportStartStatus(statusFd, line);
    process.stderr.write(line);
  }
  process.exit(1);
}
