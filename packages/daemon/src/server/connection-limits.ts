import { readFileSync } from 'node:fs';
import { MAX_QUEUED_BYTES } from './client-writer.js';

/** Most connections at once, whatever the descriptor limit (1024). */
export const MAX_CONNECTIONS = 1024;
/** How long a new connection may take to send `daemon/initialize` before it is closed, in ms (10 s). */
export const INIT_TIMEOUT_MS = 10_000;
/** Most requests one connection may have being handled at once; more are refused with limit_exceeded. */
export const MAX_REQUESTS_IN_FLIGHT = 1000;

/** The server's limits on clients; {@link defaultServerLimits} fills them in. */
export interface ServerLimits {
  /** Connections open at once; one more is answered limit_exceeded and closed. */
  maxConnections: number;
  /** ms a connection may stay without a successful `daemon/initialize`. */
  initTimeoutMs: number;
  /** Requests one connection may have in flight. */
  maxRequestsInFlight: number;
  /** Reply bytes one connection may have queued unread before it is dropped. */
  maxQueuedBytes: number;
}

/**
 * The soft limit on open file descriptors of this process (RLIMIT_NOFILE), read
 * from `/proc/self/limits` (proc(5)): Node has no getrlimit. Undefined when it
 * cannot be read or is "unlimited".
 */
export function openFileLimit(limitsText?: string): number | undefined {
  let text = limitsText;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/self/limits', 'utf8');
    } catch {
      return undefined;
    }
  }
  const match = /^Max open files\s+(\d+)\s/m.exec(text);
  return match ? Number(match[1]) : undefined;
}

/**
 * Default limits. Connections are capped at {@link MAX_CONNECTIONS} and at half
 * the descriptor limit `nofile` (at least 16): each connection holds one
 * descriptor, and the other half stays free for the database, the log, task
 * output files and the descriptors spawning a task needs, so that a flood of
 * clients cannot make `task/run` fail with EMFILE.
 */
export function defaultServerLimits(nofile = openFileLimit()): ServerLimits {
  const byDescriptors = nofile === undefined ? MAX_CONNECTIONS : Math.max(16, Math.floor(nofile / 2));
  return {
    maxConnections: Math.min(MAX_CONNECTIONS, byDescriptors),
    initTimeoutMs: INIT_TIMEOUT_MS,
    maxRequestsInFlight: MAX_REQUESTS_IN_FLIGHT,
    maxQueuedBytes: MAX_QUEUED_BYTES,
  };
}
