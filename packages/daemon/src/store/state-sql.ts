// The task states in SQL, from @tend/protocol's LIVE_STATES and TERMINAL_STATES: the one list.
import { LIVE_STATES, TERMINAL_STATES, type TaskState } from '@tend/protocol';

/** SQL list of the live states, `('starting', 'running', 'stopping')`: `state IN ${LIVE_STATES_SQL}`. */
export const LIVE_STATES_SQL = sqlList(LIVE_STATES);
/** SQL list of the ended states, `('succeeded', …, 'lost')`: `state IN ${ENDED_STATES_SQL}`. */
export const ENDED_STATES_SQL = sqlList(TERMINAL_STATES);

/** `('a', 'b')` for states `a`, `b` (their names hold no quote). */
function sqlList(states: readonly TaskState[]): string {
  return `(${states.map((state) => `'${state}'`).join(', ')})`;
}
