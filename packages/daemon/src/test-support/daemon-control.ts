import { join } from 'node:path';
import type { DaemonControl } from '../server/handler.js';

/**
 * The daemon as an RpcServer under test sees it, without a daemon: this process's pid, `socketPath`,
 * `dir` as the state folder (its `log` as daemon.log), a task/prune that removes nothing and a
 * shutdown request that is ignored (answers 0 tasks), and no session bookkeeping.
 */
export function fakeDaemonControl(dir: string, socketPath: string): Omit<DaemonControl, 'clientCount'> {
  return {
    pid: process.pid,
    startedAt: Date.now(),
    socketPath,
    stateDir: dir,
    logPath: join(dir, 'log'),
    prune: () => ({ removed: [], bytesFreed: 0 }),
    requestShutdown: () => 0,
    sessions: { joined: () => undefined, left: () => undefined },
  };
}
