export {
  TendTerminals,
  tendTerminals,
  exitStatusOf,
  DEFAULT_OUTPUT_BYTE_LIMIT,
  DEFAULT_TERMINAL_KILL_GRACE_MS,
  type TendTerminalsOptions,
  type TerminalTendApi,
} from './terminals.js';
export { formatTerminalId, parseTerminalId, type TerminalRef } from './terminal-id.js';
export { keepEnd, shellLine } from './text.js';
