import { DaemonStatus, PROTOCOL_VERSION, TEND_VERSION } from '@tend/protocol';
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
}));
