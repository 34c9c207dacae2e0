export { TendClient, type RunParams } from './tend-client.js';
export { callerEnvironment, currentUmask, type CallerEnvironment } from './caller-env.js';
export type { FollowChunk, FollowOptions } from './follow.js';
export {
  DEFAULT_CONNECT_TIMEOUT_MS,
  dialDaemonSocket,
  type ConnectOptions,
  type DaemonInfo,
} from './connect.js';
export { parseSshHost, type SshHost } from './ssh-url.js';
export type { Disposable } from './rpc-channel.js';
export { DAEMON_LOG_TAIL_LINES } from './daemon-log-tail.js';
export * from './errors.js';
export { toTendError } from './error-mapping.js';
export { ResponseError } from './jsonrpc.js';
export { SocketPathTooLongError, type SignalName, type Task, type TaskState } from '@tend/protocol/wire';
export { waitForPidGone } from './deadline.js';
export { DAEMON_ENV, daemonSpawnEnv } from './daemon-spawn.js';
export { checkConfigFile } from './config-check.js';
