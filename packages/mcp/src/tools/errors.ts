import type { ToolText } from './context.js';

/** A mistake in a tool's input that the schema could not express (e.g. two wait conditions at once). */
export class ToolInputError extends Error {
  override name = 'ToolInputError';
}

// What the model can do about each error reason of the daemon (see @tend/protocol errors).
const HINTS: Record<string, string> = {
  task_not_found: 'list_tasks shows the ids and names (all_sessions: true includes tasks started elsewhere).',
  ambiguous_id: 'Give more characters of the id.',
  name_in_use:
    'A live task already has that name with a different command or cwd: pick another name, or stop_task it first.',
  invalid_cwd: 'cwd must be an existing directory (absolute, or relative to the workspace).',
  limit_exceeded: 'Too many live tasks: stop some (list_tasks shows them).',
  limit_unavailable:
    'This tend daemon cannot enforce memory_max_bytes or pids_max (the message says why): start the task without them, or tell the user what would enable them.',
  daemon_unreachable: 'The tend daemon could not be reached or started; its log is in the message above.',
  connection_closed:
    'The connection to the tend daemon was lost (it may have restarted); calling the tool again reconnects.',
  daemon_stopped:
    'The tend daemon was stopped on purpose (tend daemon stop); its tasks keep running, and calling a tool again starts a new daemon.',
  method_not_found:
    'The running tend daemon is older than this MCP server: run `tend daemon restart` (tasks keep running).',
  protocol_mismatch: 'The tend daemon and this MCP server are different versions: run `tend daemon restart`.',
};

/**
 * Turns what a tool call threw into an error answer for the model: the message
 * (a tend error's message names the task, path or value) and, for known reasons,
 * what to do next. Unknown errors keep their message; nothing is thrown further.
 */
export function toolError(error: unknown): ToolText {
  const reason = (error as { reason?: unknown } | null)?.reason;
  const message = error instanceof Error ? error.message : String(error);
  const candidates = (error as { candidates?: unknown } | null)?.candidates;
  const lines = [message];
  if (Array.isArray(candidates) && candidates.length > 0)
    lines.push(`Matching ids: ${candidates.join(', ')}.`);
  const hint = typeof reason === 'string' ? HINTS[reason] : undefined;
  if (hint) lines.push(hint);
  return { text: lines.join('\n'), isError: true };
}
