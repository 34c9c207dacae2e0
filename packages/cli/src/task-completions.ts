import { MAX_COMPLETIONS_LIMIT, type Completion } from '@tend/protocol/wire';
import type { TendClient } from '@tend/client';
import { withClient, type GlobalOptions } from './connect.js';
import { formatAgo, formatSpan, printJson, warn, writeOut } from './output.js';
import { renderTable } from './table.js';
import { exitColumn } from './task-list.js';

/** Options of `tend inbox`. */
export interface CompletionsOptions extends GlobalOptions {
  /** Acknowledge the ends listed, so that they are not listed again. */
  ack?: boolean;
  /** Every end kept, acknowledged or not. */
  all?: boolean;
  /** Only the table, without the last lines of each task. */
  quiet?: boolean;
}

/** A `task/completions` answer, as `tend inbox --json` prints it. */
interface Inbox {
  completions: Completion[];
  lastSeq: number;
}

/** How the last lines of a completion are indented under the table. */
const TAIL_INDENT = '    ';

/**
 * `tend inbox`: the ends of tasks (`task/completions`) not acknowledged yet by
 * the session — `--session`, else $TEND_SESSION (the connection's), else every
 * task's ends (acknowledged for the session-less inbox) — oldest first, as a
 * table followed by each one's last lines (only the table with `-q`), or the
 * task/completions result with `--json`. `--ack` acknowledges what was listed;
 * `--all` lists every end kept, acknowledged ones too. Prints nothing when
 * there is nothing to list.
 * @returns the process exit code (0).
 */
export async function showCompletions(options: CompletionsOptions): Promise<number> {
  const inbox = await withClient(options, (client) =>
    options.all ? everyEnd(client, options) : unacknowledged(client, options),
  );
  if (options.json) await printJson(inbox);
  else
    await writeOut(
      renderCompletions(inbox.completions, {
        columns: process.stdout.isTTY ? process.stdout.columns : undefined,
        tails: !options.quiet,
      }),
    );
  return 0;
}

/** One call: at most {@link MAX_COMPLETIONS_LIMIT} unacknowledged ends; says so when there may be more. */
async function unacknowledged(client: TendClient, options: CompletionsOptions): Promise<Inbox> {
  const inbox = await client.completions({
    ...sessionOf(options),
    ack: options.ack ?? false,
    limit: MAX_COMPLETIONS_LIMIT,
  });
  if (inbox.completions.length === MAX_COMPLETIONS_LIMIT) {
    warn(
      `listed the oldest ${MAX_COMPLETIONS_LIMIT} ends only; ${options.ack ? 'run tend inbox again for the next ones' : 'acknowledge them (--ack) to see the next ones'}`,
    );
  }
  return inbox;
}

/** Pages with `after` through every end kept (acknowledged ones too), acknowledging them with --ack. */
async function everyEnd(client: TendClient, options: CompletionsOptions): Promise<Inbox> {
  const completions: Completion[] = [];
  for (let after = 0; ; ) {
    const page = await client.completions({
      ...sessionOf(options),
      after,
      ack: options.ack ?? false,
      limit: MAX_COMPLETIONS_LIMIT,
    });
    completions.push(...page.completions);
    const last = page.completions.at(-1);
    if (!last || page.completions.length < MAX_COMPLETIONS_LIMIT)
      return { completions, lastSeq: page.lastSeq };
    after = last.seq;
  }
}

function sessionOf(options: CompletionsOptions): { session?: string } {
  const session = options.session || process.env.TEND_SESSION || undefined;
  return session ? { session } : {};
}

/**
 * Renders completions as a table — SEQ, ID, NAME, STATE, EXIT (code or signal
 * name), DURATION, ENDED (how long ago), COMMAND (cut to fit `columns`) —
 * followed, with `tails`, by a block per completion whose output had lines:
 * a line `<seq> <id> (<name>) <state>, exit <code> — <reason>:` and its last lines,
 * indented by four spaces.
 * @param now milliseconds since the epoch, for ENDED.
 * @returns the text ending with a newline, or '' when there are no completions.
 */
export function renderCompletions(
  completions: readonly Completion[],
  {
    columns,
    tails = true,
    now = Date.now(),
  }: { columns?: number | undefined; tails?: boolean; now?: number } = {},
): string {
  if (completions.length === 0) return '';
  const rows = completions.map((c) => [
    String(c.seq),
    c.taskId,
    c.name ?? '',
    c.state,
    exitColumn(c),
    c.durationMs === undefined ? '' : formatSpan(c.durationMs),
    formatAgo(c.endedAt, now),
    c.command,
  ]);
  let text = renderTable(HEADINGS, rows, columns);
  if (!tails) return text;
  for (const c of completions) {
    const lines = c.tail.replace(/\n$/, '').split('\n');
    if (c.tail === '' || (lines.length === 1 && lines[0] === '')) continue;
    const exit =
      c.exitCode !== undefined ? `, exit ${c.exitCode}` : c.signal !== undefined ? `, ${c.signal}` : '';
    text += `\n${c.seq} ${c.taskId}${c.name ? ` (${c.name})` : ''} ${c.state}${exit}${c.reason ? ` — ${c.reason}` : ''}:\n`;
    text += `${lines.map((line) => `${TAIL_INDENT}${line}`.trimEnd()).join('\n')}\n`;
  }
  return text;
}

const HEADINGS = ['SEQ', 'ID', 'NAME', 'STATE', 'EXIT', 'DURATION', 'ENDED', 'COMMAND'];
