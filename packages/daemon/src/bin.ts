#!/usr/bin/env node
// The daemon's foreground entry: `node dist/bin.js` (clients spawn it detached).
import { resolve } from 'node:path';
import { DaemonLockedError } from './runtime/lock.js';
import { startDaemon } from './daemon.js';

// Hold no user directory open (a daemon started from a project folder would pin it),
// after making the path variables absolute, as they were meant from the old cwd.
for (const name of ['TEND_HOME', 'TEND_SOCKET', 'XDG_RUNTIME_DIR', 'XDG_STATE_HOME', 'XDG_CONFIG_HOME']) {
  const value = process.env[name];
  if (value) process.env[name] = resolve(value);
}
process.chdir('/');
try {
  const daemon = await startDaemon();
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => void daemon.shutdown());
  // No terminal to hang up on: a HUP must not end the daemon.
  process.on('SIGHUP', () => daemon.logger.info('SIGHUP ignored'));
  await daemon.closed;
  process.exit(0);
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof DaemonLockedError) {
    process.stderr.write(`tend daemon: another daemon is already running (${message})\n`);
  } else {
    process.stderr.write(`tend daemon: could not start: ${message}\n`);
  }
  process.exit(1);
}
