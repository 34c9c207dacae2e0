import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createTwoFilesPatch } from 'diff';
import { parse as parseToml } from 'smol-toml';
import type { GlobalOptions } from './connect.js';
import { CliError } from './errors.js';
import { ExitCode } from './exit-codes.js';
import { DEFAULT_STOP_WAIT_MS } from './hook.js';
import type { HookEvent, HookHost } from './hook-format.js';
import { HOOK_EVENTS, HOOK_HOSTS } from './hook-format.js';
import { writeOut } from './output.js';

/** Options of `tend setup`. */
export interface SetupOptions extends GlobalOptions {
  /** Write the files (after printing their diff); without it, only print what would change. */
  write?: boolean;
  /** `project` (default: files under the current directory) or `user` (under the home directory). */
  scope?: string;
  /** Add the opt-in Stop hook (trigger tasks continue the agent). */
  stop?: boolean;
  /** The command that runs tend in the host's hooks and MCP entry (default `tend`). */
  tend?: string;
}

/** A file `tend setup` would change: its path, its text now ('' when absent) and its text after. */
export interface SetupChange {
  path: string;
  before: string;
  after: string;
}

/** Hook timeout of the context hooks, in seconds: `tend hook` connects within 3 s and answers at once. */
const CONTEXT_HOOK_TIMEOUT_S = 10;
/** Hook timeout of the Stop hook, in seconds: its default wait (10 min) and a minute more. */
const STOP_HOOK_TIMEOUT_S = DEFAULT_STOP_WAIT_MS / 1000 + 60;

/** Events whose hook `tend setup` installs by default; Stop only with `--stop`. */
const CONTEXT_EVENTS: readonly HookEvent[] = ['session-start', 'user-prompt-submit', 'post-tool-use'];

/**
 * `tend setup <host>`: the hooks and MCP server entry that connect an agent host to tend.
 * Without `--write` it prints, as a unified diff per file, what it would change, and writes nothing;
 * with `--write` it prints the same diff, then writes. Existing settings are kept: hooks are merged in
 * (a hook whose command is already there is not added twice), an `mcpServers.tend` / `[mcp_servers.tend]`
 * already there is left as it is. Running it twice changes nothing the second time.
 *
 * - claude-code (https://docs.claude.com/en/docs/claude-code/hooks, https://docs.claude.com/en/docs/claude-code/mcp):
 *   hooks in `.claude/settings.json` (`--scope project`, default) or `~/.claude/settings.json` (`--scope user`);
 *   the MCP server in `.mcp.json` (project), or, for user scope, the `claude mcp add --scope user` command
 *   to run (tend does not edit `~/.claude.json`, which Claude Code rewrites itself).
 * - codex (https://developers.openai.com/codex/hooks, https://developers.openai.com/codex/mcp): hooks in
 *   `.codex/hooks.json` and the MCP server in `.codex/config.toml`, under the current directory
 *   (project) or the home directory (user, the default for codex: `~/.codex`).
 * @param home the home directory (default os.homedir(), which is $HOME); tests pass a temporary one.
 * @returns 0.
 * @throws CliError for an unknown host or scope, or a settings file that is not valid JSON/TOML (named).
 */
export async function setupHost(
  host: string,
  options: SetupOptions,
  home = homedir(),
  cwd = process.cwd(),
): Promise<number> {
  if (!(HOOK_HOSTS as readonly string[]).includes(host))
    throw new CliError(`unknown host "${host}": tend setup knows ${HOOK_HOSTS.join(', ')}`, {
      reason: 'usage',
    });
  const scope = options.scope ?? (host === 'codex' ? 'user' : 'project');
  if (scope !== 'project' && scope !== 'user')
    throw new CliError(`unknown --scope "${scope}": give project or user`, { reason: 'usage' });
  const plan = setupPlan(host as HookHost, scope, {
    home,
    cwd,
    stop: options.stop ?? false,
    tend: options.tend ?? 'tend',
  });
  const changed = plan.changes.filter((c) => c.before !== c.after);
  let text = '';
  for (const change of changed) text += unifiedDiff(change);
  if (changed.length === 0)
    text += `tend setup ${host}: already set up (${plan.changes.map((c) => c.path).join(', ')})\n`;
  for (const note of plan.notes) text += `${note}\n`;
  if (changed.length > 0 && !options.write)
    text += `\nNothing written. Run again with --write to write ${changed.length === 1 ? 'this change' : 'these changes'}.\n`;
  await writeOut(text);
  if (options.write) {
    for (const change of changed) writeAtomically(change.path, change.after);
    if (changed.length > 0) await writeOut(`Wrote ${changed.map((c) => c.path).join(', ')}.\n`);
  }
  return ExitCode.Ok;
}

/** What {@link setupPlan} decided: file changes, and lines to print after them (what else to do). */
export interface SetupPlan {
  changes: SetupChange[];
  notes: string[];
}

/**
 * The files `tend setup <host>` changes for `scope`, read from disk and merged (nothing is written here).
 * @throws CliError when a settings file is not valid JSON (or TOML), naming it.
 */
export function setupPlan(
  host: HookHost,
  scope: 'project' | 'user',
  where: { home: string; cwd: string; stop: boolean; tend: string },
): SetupPlan {
  const base = scope === 'user' ? where.home : resolve(where.cwd);
  const events = where.stop ? [...CONTEXT_EVENTS, 'stop' as const] : CONTEXT_EVENTS;
  const notes: string[] = [];
  if (host === 'claude-code') {
    const settings = join(base, '.claude', 'settings.json');
    const changes = [jsonChange(settings, (json) => mergeHooks(json, hookEntries(host, events, where.tend)))];
    if (scope === 'project') {
      const mcp = join(base, '.mcp.json');
      changes.push(jsonChange(mcp, (json) => mergeMcpServer(json, where.tend)));
    } else {
      notes.push(
        `MCP server (user scope): run  claude mcp add --scope user tend -- ${where.tend} mcp  (tend does not edit ~/.claude.json)`,
      );
    }
    if (!where.stop)
      notes.push('Stop hook left out: add --stop to let tasks run with --trigger continue a stopped agent.');
    return { changes, notes };
  }
  const hooks = join(base, '.codex', 'hooks.json');
  const config = join(base, '.codex', 'config.toml');
  notes.push('Codex runs hooks it has not seen only after you review and trust them (codex /hooks).');
  if (!where.stop)
    notes.push('Stop hook left out: add --stop to let tasks run with --trigger continue a stopped agent.');
  return {
    changes: [
      jsonChange(hooks, (json) => mergeHooks(json, hookEntries(host, events, where.tend))),
      tomlMcpChange(config, where.tend),
    ],
    notes,
  };
}

/** One hook group per event, in the hosts' settings shape: `{matcher?, hooks: [{type, command, timeout}]}` (timeout in s). */
export function hookEntries(
  host: HookHost,
  events: readonly HookEvent[],
  tend: string,
): Record<string, { matcher?: string; hooks: { type: 'command'; command: string; timeout: number }[] }> {
  const entries: Record<
    string,
    { matcher?: string; hooks: { type: 'command'; command: string; timeout: number }[] }
  > = {};
  for (const event of events) {
    entries[HOOK_EVENTS[event]] = {
      // No matcher: the group applies to every tool (Claude Code: an omitted matcher matches all; Codex
      // matchers are regular expressions, where "*" would not be one).
      hooks: [
        {
          type: 'command',
          command: `${tend} hook ${host} ${event}`,
          timeout: event === 'stop' ? STOP_HOOK_TIMEOUT_S : CONTEXT_HOOK_TIMEOUT_S,
        },
      ],
    };
  }
  return entries;
}

/** `json` with each of `entries`' groups appended under `hooks.<Event>` unless a hook of that command is there. */
export function mergeHooks(
  json: Record<string, unknown>,
  entries: ReturnType<typeof hookEntries>,
): Record<string, unknown> {
  const hooks = { ...((json.hooks as Record<string, unknown> | undefined) ?? {}) };
  for (const [event, group] of Object.entries(entries)) {
    const groups = Array.isArray(hooks[event]) ? [...(hooks[event] as unknown[])] : [];
    const command = group.hooks[0]?.command;
    const present = groups.some((g) =>
      ((g as { hooks?: { command?: string }[] }).hooks ?? []).some((h) => h.command === command),
    );
    if (!present) groups.push(group);
    hooks[event] = groups;
  }
  return { ...json, hooks };
}

/** `json` with `mcpServers.tend` = `{command: tend, args: ["mcp"]}` unless a `tend` server is there. */
export function mergeMcpServer(json: Record<string, unknown>, tend: string): Record<string, unknown> {
  const servers = { ...((json.mcpServers as Record<string, unknown> | undefined) ?? {}) };
  if (servers.tend === undefined) servers.tend = { command: tend, args: ['mcp'] };
  return { ...json, mcpServers: servers };
}

/** The change of a JSON settings file by `merge` (absent file: `{}`), printed with two-space indents. */
function jsonChange(
  path: string,
  merge: (json: Record<string, unknown>) => Record<string, unknown>,
): SetupChange {
  const before = existsSync(path) ? readFileSync(path, 'utf8') : '';
  let json: Record<string, unknown> = {};
  if (before.trim() !== '') {
    try {
      json = JSON.parse(before) as Record<string, unknown>;
    } catch (err) {
      throw new CliError(
        `${path} is not valid JSON (${(err as Error).message}): fix it, then run tend setup again`,
      );
    }
    if (!json || typeof json !== 'object' || Array.isArray(json))
      throw new CliError(`${path} does not hold a JSON object: fix it, then run tend setup again`);
  }
  const merged = merge(json);
  const after =
    JSON.stringify(merged) === JSON.stringify(json) ? before : `${JSON.stringify(merged, null, 2)}\n`;
  return { path, before, after };
}

/**
 * The change of Codex's config.toml: a `[mcp_servers.tend]` table appended unless one is there
 * (https://developers.openai.com/codex/mcp: `command`, `args`). Appended as text, so that the file's
 * comments and order stay; the result is parsed (smol-toml) to be sure it is still valid TOML.
 */
function tomlMcpChange(path: string, tend: string): SetupChange {
  const before = existsSync(path) ? readFileSync(path, 'utf8') : '';
  let config: Record<string, unknown>;
  try {
    config = parseToml(before) as Record<string, unknown>;
  } catch (err) {
    throw new CliError(
      `${path} is not valid TOML (${(err as Error).message}): fix it, then run tend setup again`,
    );
  }
  if ((config.mcp_servers as Record<string, unknown> | undefined)?.tend !== undefined)
    return { path, before, after: before };
  const block = `[mcp_servers.tend]\ncommand = ${JSON.stringify(tend)}\nargs = ["mcp"]\n`;
  const after = before === '' ? block : `${before.replace(/\n*$/, '\n')}\n${block}`;
  parseToml(after);
  return { path, before, after };
}

/** A unified diff of `change` (`--- a/path` / `+++ b/path`), `/dev/null` for a new file. */
export function unifiedDiff(change: SetupChange): string {
  return createTwoFilesPatch(
    change.before === '' ? '/dev/null' : change.path,
    change.path,
    change.before,
    change.after,
    undefined,
    undefined,
    { context: 3 },
  ).replace(/^(Index: .*\n)?=+\n/, '');
}

/** Writes `text` to `path` through a temporary file and a rename (no half-written settings), making its folder. */
function writeAtomically(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.tend-setup-${process.pid}`;
  writeFileSync(temporary, text, { mode: 0o644 });
  renameSync(temporary, path);
}
