import { DaemonStatus, PROTOCOL_VERSION, TEND_VERSION } from '@tend/protocol';
import type { Containment } from '../../runtime/cgroup-root.js';
import { currentSessionLifetime } from '../../runtime/session-lifetime.js';
import { defineHandler } from '../handler.js';

export const daemonStatus = defineHandler(DaemonStatus, (_params, { daemon, supervisor }) => ({
  pid: daemon.pid,
  version: TEND_VERSION,
  protocolVersion: PROTOCOL_VERSION,
  socket: daemon.socketPath,
  startedAt: new Date(daemon.startedAt).toISOString(),
  uptimeMs: Date.now() - daemon.startedAt,
  tasks: supervisor.store.countByState(),
  clients: daemon.clientCount(),
  stateDir: daemon.stateDir,
  logPath: daemon.logPath,
  ...currentSessionLifetime(),
  containment: containmentOf(supervisor.options.containment),
}));

/** daemon/status `containment`: the mode, with the cgroup root or the reason there is none. */
function containmentOf(
  containment: Containment | undefined,
): { mode: 'cgroup'; cgroupRoot: string } | { mode: 'marker'; reason: string } {
  if (containment?.mode === 'cgroup') return { mode: 'cgroup', cgroupRoot: containment.root };
  return { mode: 'marker', reason: containment?.reason ?? 'no containment was chosen' };
}
