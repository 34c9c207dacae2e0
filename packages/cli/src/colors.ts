// Colours of the CLI's text output (the state column of `ps`), through node:util's styleText.
import * as util from 'node:util';
import type { TaskState } from '@tend/protocol/wire';

/**
 * True when text for `stream` should carry colours: it is a terminal, NO_COLOR (https://no-color.org/:
 * any non-empty value) is not set, and `--no-color` was not given (`color: false`).
 */
export function colorWanted(stream: { isTTY?: boolean }, options: { color?: boolean } = {}): boolean {
  if (options.color === false) return false;
  if (process.env.NO_COLOR) return false;
  return stream.isTTY === true;
}

type Style = Parameters<typeof util.styleText>[0];

/** The colour of each state, as `tend top` uses it too: live green/yellow, failed red, killed magenta. */
export const STATE_STYLES: Readonly<Record<TaskState, Style>> = {
  starting: 'yellow',
  running: 'green',
  stopping: 'yellow',
  restarting: 'yellow',
  succeeded: 'gray',
  failed: 'red',
  killed: 'magenta',
  timed_out: 'red',
  lost: 'red',
};

/**
 * `text` in `style` (SGR escapes), always: the caller decided with {@link colorWanted} (styleText's own
 * check, `validateStream`, looks at process.stdout, which is not always the stream written to).
 * node:util's styleText came with Node 20.12: on an older Node 20 the text stays plain.
 */
export function paint(style: Style, text: string): string {
  const styleText = (util as { styleText?: typeof util.styleText }).styleText;
  return typeof styleText === 'function' && text !== ''
    ? styleText(style, text, { validateStream: false })
    : text;
}

/** `text` (a state column, which starts with the state) in the colour of `state`. */
export function paintState(state: TaskState, text: string): string {
  return paint(STATE_STYLES[state] ?? 'reset', text);
}
