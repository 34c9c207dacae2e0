import { pino, type Logger } from 'pino';

/** Most bytes of log lines held in memory while the log cannot be written (disk full); newer lines are dropped. */
export const MAX_UNWRITTEN_LOG_BYTES = 1024 * 1024;

/**
 * The daemon's JSON log (pino) at `logPath`, mode 0600, written synchronously
 * so that the lines before a crash are on disk. Level from `TEND_LOG_LEVEL`
 * (default `info`). A write that fails (ENOSPC on a full disk…) never throws
 * into the caller: the lines wait in memory, up to
 * {@link MAX_UNWRITTEN_LOG_BYTES}, and are written with the next line that finds room.
 */
export function createLogger(logPath: string, level = process.env.TEND_LOG_LEVEL ?? 'info'): Logger {
  const destination = pino.destination({ dest: logPath, sync: true, mkdir: true, mode: 0o600, maxLength: MAX_UNWRITTEN_LOG_BYTES });
  // Without a listener SonicBoom's 'error' event would be thrown from logger.info() itself.
  destination.on('error', () => undefined);
  return pino({ level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime }, destination);
}
