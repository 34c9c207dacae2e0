export { TendClient, type RunParams } from './tend-client.js';
export type { FollowChunk, FollowOptions } from './follow.js';
export { DEFAULT_CONNECT_TIMEOUT_MS, type ConnectOptions, type DaemonInfo } from './connect.js';
export type { Disposable } from './rpc-channel.js';
export { LOG_TAIL_LINES } from './log-tail.js';
export * from './errors.js';
export { toTendError } from './error-mapping.js';
export { SocketPathTooLongError, type SignalName, type Task, type TaskState } from '@tend/protocol/wire';
export { waitForPidGone } from './deadline.js';
