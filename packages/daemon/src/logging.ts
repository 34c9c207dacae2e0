import { pino, type Logger } from 'pino';

/**
 * The daemon's JSON log (pino) at `logPath`, mode 0600, written synchronously
 * so that the lines before a crash are on disk. Level from `TEND_LOG_LEVEL`
 * (default `info`).
 */
export function createLogger(logPath: string, level = process.env.TEND_LOG_LEVEL ?? 'info'): Logger {
  return pino(
    { level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime },
    pino.destination({ dest: logPath, sync: true, mkdir: true, mode: 0o600 }),
  );
}
