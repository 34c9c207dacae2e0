import { resolve } from 'node:path';
import type { TendClient } from '@tend/client';
import { defaultSession } from '@tend/mcp/session';
import { LIVE_STATES, MAX_COMPLETIONS_LIMIT } from '@tend/protocol/wire';
import type { GlobalOptions } from './connect.js';
import { CliError } from './errors.js';
import { ExitCode } from './exit-codes.js';
import {
  HOOK_EVENTS,
  HOOK_HOSTS,
  type HookEvent,
  type HookHost,
  type HookInput,
  hookOutput,
  MAX_HOOK_TEXT_CHARS,
  renderEnds,
  STOP_CONTINUE,
} from './hook-format.js';
import { warn, writeOut } from './output.js';

/** Options of `tend hook`. */
export interface HookOptions extends GlobalOptions {
  /** Stop: longest wait for a live trigger task to end, in ms (`--wait`). */
  wait?: number;
}

/** Default `--wait` of the Stop hook: 10 minutes; `tend setup` gives the hook a timeout a minute longer. */
export const DEFAULT_STOP_WAIT_MS = 10 * 60_000;
/** Longest `tend hook` spends connecting to the daemon, in ms: the host waits on the hook. */
const CONNECT_TIMEOUT_MS = 3000;
/** Longest wait for the host to close the hook's stdin, in ms (hosts write the JSON and close at once). */
const STDIN_TIMEOUT_MS = 2000;
/** Most bytes of hook input read (a Stop input carries the last assistant message). */
const MAX_INPUT_BYTES = 4 * 1024 * 1024;

/**
 * `tend hook <host> <event>`: answers an agent host's hook (Claude Code, Codex; see {@link HOOK_HOSTS})
 * with the ends of its session's tasks it has not seen, in the host's format, and acknowledges them in
 * the completion inbox (task/completions `ack`), so that each end reaches the conversation once.
 *
 * - The session is the one `tend mcp` uses for the same conversation ({@link hookSession}): `--session`,
 *   else $TEND_SESSION, else `mcp:<project dir>`.
 * - session-start, user-prompt-submit, post-tool-use: prints `hookSpecificOutput.additionalContext` with
 *   the unseen ends of tasks run with notify on (or trigger), at most {@link renderEnds}'s bound.
 * - stop (opt-in): see {@link stopHook}.
 * - Nothing to say — no end, no daemon running (a hook never starts one), a daemon that does not answer
 *   within 3 s — prints nothing and exits 0, which both hosts read as "go on". tend never exits 2 here
 *   (Claude Code: exit 2 blocks a prompt or a stop); its own failures exit 125 with a message on stderr,
 *   a non-blocking error for the host.
 * @param stdin the host's JSON input (read by {@link readHookInput}).
 * @returns the exit code (0).
 * @throws CliError for an unknown host or event (naming the known ones).
 */
export async function runHook(
  host: string,
  event: string,
  options: HookOptions,
  stdin: NodeJS.ReadableStream & { isTTY?: boolean } = process.stdin,
): Promise<number> {
  const knownHost = checkHost(host);
  const knownEvent = checkEvent(event);
  const input = await readHookInput(stdin);
  if (input.hook_event_name !== undefined && input.hook_event_name !== HOOK_EVENTS[knownEvent])
    warn(
      `tend hook ${host} ${event} got hook_event_name "${input.hook_event_name}": the hook is registered under the wrong event`,
    );
  const session = hookSession(knownHost, input, options.session);
  const client = await connectQuietly(session);
  if (!client) return ExitCode.Ok;
  try {
    const output =
      knownEvent === 'stop'
        ? await stopHook(client, session, options.wait ?? DEFAULT_STOP_WAIT_MS)
        : await unseenEnds(client, session).then((text) => (text ? hookOutput(knownEvent, text) : undefined));
    if (output) await writeOut(`${JSON.stringify(output)}\n`);
  } finally {
    await client.close().catch(() => undefined);
  }
  return ExitCode.Ok;
}

/**
 * The session of a host's conversation, the same as `tend mcp`'s in that project ({@link defaultSession}):
 * `given` (`--session`), else $TEND_SESSION, else `mcp:<project dir>`, the project directory being, for
 * Claude Code, $CLAUDE_PROJECT_DIR (set for hooks: the directory Claude Code started in, where it starts
 * `tend mcp` too), else the input's `cwd`; for Codex the input's `cwd`; else the current directory.
 * The host's `session_id` is not used: the MCP server is never told it, and an agent restarted in the
 * same project finds its tasks and inbox again, as through `tend mcp`.
 */
export function hookSession(
  host: HookHost,
  input: HookInput,
  given?: string,
  env: Record<string, string | undefined> = process.env,
  cwd = process.cwd(),
): string {
  if (given?.trim()) return given.trim();
  const project = (host === 'claude-code' ? env.CLAUDE_PROJECT_DIR : undefined) || input.cwd || cwd;
  return defaultSession(resolve(project), env);
}

/**
 * The Stop hook (opt-in: `tend setup --stop`). Claude Code and Codex run it when the agent is about to
 * end its turn; `{"decision": "block", "reason": …}` keeps it working with `reason` as its next instruction
 * (Claude Code hooks reference, "Stop"; https://developers.openai.com/codex/hooks, "Stop").
 * 1. An end of a trigger task of the session not yet seen: block now with the unseen ends (acknowledged).
 * 2. Else, while trigger tasks of the session are live: wait (at most `waitMs`) for one to end, then
 *    block with the unseen ends. No live trigger task, or none ended within `waitMs`: no output, the
 *    agent stops (the end shows at the next prompt through user-prompt-submit).
 * No loop: a block always reports an end not reported before (the inbox acknowledges it), so the same
 * end never blocks twice, and a run of blocks is as long as the trigger tasks ending during it. That is
 * why `stop_hook_active` (true when the agent already continues because of a Stop hook; hooks reference)
 * needs no special case: it is true exactly when the agent goes on from an end, and its next stop may
 * wait for the next trigger task, which is what a user who started several asked for. Claude Code also
 * caps a run of consecutive Stop blocks itself.
 * @returns the host's JSON, or undefined for "let it stop".
 */
export async function stopHook(
  client: TendClient,
  session: string,
  waitMs: number,
): Promise<Record<string, unknown> | undefined> {
  const pending = await client.completions({ session, notify: true, limit: MAX_COMPLETIONS_LIMIT });
  if (!pending.completions.some((c) => c.trigger)) {
    const live = (await client.list({ session, state: [...LIVE_STATES] })).filter((t) => t.trigger);
    if (live.length === 0) return undefined;
    if (
      !(await anyEnds(
        client,
        live.map((t) => t.id),
        waitMs,
      ))
    )
      return undefined;
  }
  const text = await unseenEnds(client, session);
  return text ? hookOutput('stop', `${text}\n${STOP_CONTINUE}`) : undefined;
}

/** Waits until one of tasks `ids` ends (task/wait each, at once); false when `waitMs` passes first. */
async function anyEnds(client: TendClient, ids: readonly string[], waitMs: number): Promise<boolean> {
  const waits = ids.map((id) =>
    client.wait(id, { timeoutMs: waitMs }).then(
      (r) => r.outcome === 'exited',
      // A task removed meanwhile (task_not_found) has ended as far as the agent is concerned.
      () => true,
    ),
  );
  // The first wait that sees an end decides; false once every wait has timed out.
  return new Promise<boolean>((done) => {
    let left = waits.length;
    for (const wait of waits)
      void wait.then((ended) => {
        left -= 1;
        if (ended || left === 0) done(ended);
      });
  });
}

/**
 * The unseen ends of `session` that hooks report (task/completions `notify: true`: tasks run with notify
 * on, or with trigger), rendered within the bound, and acknowledged: the oldest that fit are looked at,
 * then exactly that many are fetched again with `ack: true` and rendered (what is acknowledged is what
 * is printed, even if another client of the session acknowledged some in between).
 * @returns the text, or '' when there is nothing unseen.
 */
export async function unseenEnds(client: TendClient, session: string): Promise<string> {
  const first = await client.completions({ session, notify: true, limit: 50 });
  const fit = renderEnds(first.completions).shown.length;
  if (fit === 0) return '';
  const acked = await client.completions({ session, notify: true, limit: fit, ack: true });
  const more = Math.max(0, first.completions.length - acked.completions.length);
  return renderEnds(acked.completions, MAX_HOOK_TEXT_CHARS, more).text;
}

/**
 * A client of the running daemon, or undefined when none answers within {@link CONNECT_TIMEOUT_MS}
 * (nothing to report: ends are kept and shown once a daemon runs). Never starts a daemon, never replaces
 * an older one (no daemonCommand), does not reconnect. Failures other than "no daemon" go to stderr.
 */
async function connectQuietly(session: string): Promise<TendClient | undefined> {
  const { TendClient } = await import('@tend/client');
  const { TEND_VERSION } = await import('@tend/protocol/wire');
  try {
    return await TendClient.connect({
      autoStart: false,
      reconnect: false,
      timeoutMs: CONNECT_TIMEOUT_MS,
      clientName: 'tend-hook',
      clientVersion: TEND_VERSION,
      session,
    });
  } catch (err) {
    if ((err as { reason?: unknown }).reason !== 'daemon_unreachable')
      warn(`hook: no answer from the tend daemon: ${(err as Error).message}`);
    return undefined;
  }
}

/**
 * The host's JSON input from `stdin`: {} when stdin is a terminal (run by hand), empty, or not a JSON
 * object (said on stderr); read for at most 2 s and 4 MiB, so that a host that keeps stdin open
 * cannot hang the hook.
 */
export async function readHookInput(stdin: NodeJS.ReadableStream & { isTTY?: boolean }): Promise<HookInput> {
  if (stdin.isTTY) return {};
  const chunks: Buffer[] = [];
  let size = 0;
  await new Promise<void>((done) => {
    const timer = setTimeout(finish, STDIN_TIMEOUT_MS);
    function finish() {
      clearTimeout(timer);
      stdin.off('data', onData);
      stdin.off('end', finish);
      stdin.off('error', finish);
      stdin.pause();
      done();
    }
    function onData(chunk: Buffer | string) {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      size += buffer.length;
      if (size <= MAX_INPUT_BYTES) chunks.push(buffer);
      else finish();
    }
    stdin.on('data', onData);
    stdin.once('end', finish);
    stdin.once('error', finish);
    stdin.resume();
  });
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  try {
    const value = JSON.parse(text) as unknown;
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as HookInput;
  } catch {
    // said below
  }
  warn('hook: the input on stdin is not a JSON object; going on with the project directory only');
  return {};
}

function checkHost(host: string): HookHost {
  if ((HOOK_HOSTS as readonly string[]).includes(host)) return host as HookHost;
  throw new CliError(`unknown host "${host}": tend hook knows ${HOOK_HOSTS.join(', ')}`, { reason: 'usage' });
}

function checkEvent(event: string): HookEvent {
  if (Object.hasOwn(HOOK_EVENTS, event)) return event as HookEvent;
  throw new CliError(`unknown event "${event}": tend hook answers ${Object.keys(HOOK_EVENTS).join(', ')}`, {
    reason: 'usage',
  });
}
