export { startDaemon, type DaemonOptions, type RunningDaemon } from './daemon.js';
export { DaemonLockedError } from './runtime/lock.js';
export { SocketInUseError } from './server/server.js';
export { MAX_BODY_BYTES, MAX_HEADER_BYTES } from './server/capped-reader.js';
