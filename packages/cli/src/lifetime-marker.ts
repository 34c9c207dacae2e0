// The marker `tend ps` shows for `run --lifetime` and `--ttl` (docs/protocol.md, "Lifetime policies"),
// apart from the options themselves (lifetime-options.ts), which need commander: `ps` loads only this.
import { type Task, isTerminal } from '@tend/protocol/wire';
import { formatSpan } from './output.js';

/**
 * What `tend ps` adds to a live task's STATE: `session` for lifetime session, `ttl 1h59m` for the time its
 * TTL has left (`ttl 0ms` once it is due); empty for a persistent task without TTL, or an ended one.
 * @param now milliseconds since the epoch.
 */
export function lifetimeMarker(
  task: Pick<Task, 'state' | 'lifetime' | 'expiresAt'>,
  now = Date.now(),
): string {
  if (isTerminal(task.state)) return '';
  const marks: string[] = [];
  if (task.lifetime === 'session') marks.push('session');
  if (task.expiresAt !== undefined)
    marks.push(`ttl ${formatSpan(Math.max(0, Date.parse(task.expiresAt) - now)).replace(/ /g, '')}`);
  return marks.join(', ');
}
