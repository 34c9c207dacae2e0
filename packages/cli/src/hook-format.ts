// What `tend hook` prints, as pure functions (no client, no I/O), so that tests check them against the
// hosts' documented shapes. Kept free of the client and of zod: a hook runs on every prompt.
import type { Completion } from '@tend/protocol/wire';
import { formatSpan } from './output.js';

/**
 * Agent hosts whose hooks `tend hook` answers. Both speak the same hook protocol: JSON on stdin
 * (`session_id`, `cwd`, `hook_event_name`, and for Stop `stop_hook_active`), JSON on stdout
 * (`hookSpecificOutput.additionalContext`, or `decision: "block"` with `reason` for Stop).
 * Sources: Claude Code, https://docs.claude.com/en/docs/claude-code/hooks (now served at
 * https://code.claude.com/docs/en/hooks); Codex, https://developers.openai.com/codex/hooks and the
 * output schemas it generates (openai/codex, codex-rs/hooks/schema/generated/*.command.output.schema.json).
 */
export const HOOK_HOSTS = ['claude-code', 'codex'] as const;
export type HookHost = (typeof HOOK_HOSTS)[number];

/** `tend hook` events (kebab-case, as on the command line) and the hosts' event names (`hook_event_name`). */
export const HOOK_EVENTS = {
  'session-start': 'SessionStart',
  'user-prompt-submit': 'UserPromptSubmit',
  'post-tool-use': 'PostToolUse',
  stop: 'Stop',
} as const;
export type HookEvent = keyof typeof HOOK_EVENTS;

/**
 * Most characters of what one hook adds to the conversation. Claude Code adds hook output to the context
 * up to 10,000 characters and replaces a longer one by a file and a short preview (hooks reference,
 * "Hook output"); 8,000 keeps the whole text inside with room for the host's own framing.
 */
export const MAX_HOOK_TEXT_CHARS = 8000;
/** Most characters of a command line or description in a hook's text (cut with …). */
const MAX_LINE_CHARS = 200;
/** The input a host writes on a hook's stdin, as far as tend reads it (other fields are ignored). */
export interface HookInput {
  session_id?: string;
  cwd?: string;
  hook_event_name?: string;
  /** Stop: true when the agent is already continuing because a Stop hook blocked its stop. */
  stop_hook_active?: boolean;
}

/**
 * The text that tells an agent which tasks ended: a heading, then per end a line
 * `- task k3j9x2 "build" (release build): failed, exit code 1, after 2 min 3 s — npm run build`
 * and its last lines (the inbox keeps at most 10 lines, 2 KiB of them) indented by four spaces,
 * then how to read more. Ends are taken oldest first while the text stays within `maxChars`
 * (the first one always: it is at most ~2.7 KB); the rest are counted in a closing line.
 * @param notShown more ends known to wait beyond `ends`, counted in the closing line.
 * @returns the text and the ends it shows (to acknowledge), or `shown: []` and '' for no ends.
 */
export function renderEnds(
  ends: readonly Completion[],
  maxChars = MAX_HOOK_TEXT_CHARS,
  notShown = 0,
): { text: string; shown: Completion[] } {
  if (ends.length === 0) return { text: '', shown: [] };
  const footer = 'Read a whole log with read_output (tend MCP server) or `tend logs <id>`.';
  const shown: Completion[] = [];
  const blocks: string[] = [];
  let size = footer.length + 200;
  for (const end of ends) {
    const block = endBlock(end);
    if (shown.length > 0 && size + block.length > maxChars) break;
    shown.push(end);
    blocks.push(block);
    size += block.length + 1;
  }
  const heading =
    shown.length === 1
      ? 'A background task (tend) has ended since tend last told you:'
      : `${shown.length} background tasks (tend) have ended since tend last told you:`;
  const rest = ends.length - shown.length + notShown;
  const more =
    rest > 0
      ? [
          `${rest} more ended task${rest === 1 ? '' : 's'} not shown: task_inbox (MCP) or \`tend inbox\` lists them.`,
        ]
      : [];
  return { text: [heading, ...blocks, ...more, footer].join('\n'), shown };
}

/** One end: its line, then its last lines indented. */
function endBlock(end: Completion): string {
  const label = `task ${end.taskId}${end.name ? ` "${end.name}"` : ''}`;
  const about = end.description ? ` (${cut(end.description)})` : '';
  const line = `- ${label}${about}: ${outcome(end)} — ${cut(end.command)}`;
  const tail = end.tail.replace(/\n$/, '');
  if (tail.trim() === '') return `${line}\n    (no output)`;
  return `${line}\n    last lines:\n${tail
    .split('\n')
    .map((l) => `    ${l}`.trimEnd())
    .join('\n')}`;
}

/** `succeeded, exit code 0, after 3.2 s`, `killed (SIGTERM; stopped by user), after 1 min`. */
function outcome(end: Completion): string {
  const facts: string[] = [];
  if (end.exitCode !== undefined) facts.push(`exit code ${end.exitCode}`);
  if (end.signal !== undefined) facts.push(end.signal);
  if (end.reason !== undefined) facts.push(end.reason);
  const after = end.durationMs !== undefined ? `, after ${formatSpan(end.durationMs)}` : '';
  return `${end.state}${facts.length ? `, ${facts.join(', ')}` : ''}${after}`;
}

/** `text` on one line (newlines shown as ⏎), cut to {@link MAX_LINE_CHARS} characters with …. */
function cut(text: string): string {
  const flat = text.replace(/\s*\n\s*/g, ' ⏎ ');
  return flat.length > MAX_LINE_CHARS ? `${flat.slice(0, MAX_LINE_CHARS - 1)}…` : flat;
}

/**
 * The JSON a host expects on a hook's stdout for `event` with `text` for the model (both hosts, same shape):
 * - SessionStart, UserPromptSubmit, PostToolUse: `{"hookSpecificOutput": {"hookEventName": <event>,
 *   "additionalContext": text}}` — added to the model's context (Claude Code hooks reference,
 *   "UserPromptSubmit / SessionStart / PostToolUse decision control"; Codex
 *   `*.command.output.schema.json`, `hookSpecificOutput.additionalContext`).
 * - Stop: `{"decision": "block", "reason": text}` — the agent does not stop and gets `reason` as what
 *   to do next (Claude Code hooks reference, "Stop/SubagentStop decision control"; Codex
 *   `stop.command.output.schema.json`).
 */
export function hookOutput(event: HookEvent, text: string): Record<string, unknown> {
  if (event === 'stop') return { decision: 'block', reason: text };
  return { hookSpecificOutput: { hookEventName: HOOK_EVENTS[event], additionalContext: text } };
}

/** The closing sentence of a Stop hook's reason: the agent goes on from the end it was waiting for. */
export const STOP_CONTINUE =
  'You were waiting for this (trigger task): continue your work from its result. ' +
  'If nothing is left to do, say so briefly and stop.';
