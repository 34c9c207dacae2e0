import type { TendClient } from '@tend/client';

/** The part of {@link TendClient} the tools use; unit tests pass a fake. */
export type TendApi = Pick<
  TendClient,
  'run' | 'list' | 'get' | 'output' | 'wait' | 'kill' | 'completions' | 'stats' | 'up' | 'down'
>;

/** What every tool call gets besides its input. */
export interface ToolContext {
  /** The connected client; connects (and auto-starts the daemon) on first use, reconnects after a loss. */
  tend(): Promise<TendApi>;
  /** Session recorded on the tasks this server starts, and whose inbox and task list it shows. */
  session: string;
  /** Reader name of `since: "last"` reads: whose cursor moves (at most 100 characters). */
  reader: string;
  /** Absolute default working directory of new tasks (the agent's project). */
  workspace: string;
  /**
   * The remote host the daemon is on (`ssh://…`), if not this machine: then start_task does not send this
   * server's environment (its paths mean nothing there) and tasks get the remote daemon's.
   */
  remoteHost?: string;
}

/**
 * What a tool answers: text for the model; `structured`, the same facts for programs (MCP `structuredContent`,
 * conforming to the tool's `outputSchema`); `isError` for failures of the call itself (not of a task), which
 * carry text only.
 */
export interface ToolText {
  text: string;
  structured?: Record<string, unknown>;
  isError?: boolean;
}

/** Longest a tool call may block, in ms: below the 60 s per-call timeout common in MCP clients (Codex: tool_timeout_sec = 60). */
export const MAX_TOOL_WAIT_MS = 45_000;

/** Default bound of a readiness or end wait, in ms. */
export const DEFAULT_TOOL_WAIT_MS = 30_000;
