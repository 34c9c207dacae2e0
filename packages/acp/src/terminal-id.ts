/**
 * An ACP terminal id carries what tend needs to serve the terminal again after the editor restarts: the tend
 * task id, and the `outputByteLimit` given at `terminal/create`, as `<taskId>` or `<taskId>@<limit>`
 * (`k3j9x2ab`, `k3j9x2ab@4096`). ACP terminal ids are opaque strings to the agent; `tend logs <taskId>`
 * shows the same task.
 */
export interface TerminalRef {
  taskId: string;
  /** Most bytes `terminal/output` returns (the end of the output is kept); undefined: the default. */
  outputByteLimit?: number;
}

const TERMINAL_ID = /^([a-z0-9]{1,64})(?:@([1-9][0-9]{0,15}))?$/;

/** The terminal id of `ref`. */
export function formatTerminalId(ref: TerminalRef): string {
  return ref.outputByteLimit === undefined ? ref.taskId : `${ref.taskId}@${ref.outputByteLimit}`;
}

/** The task and limit a terminal id names, or undefined when it is not one tend made. */
export function parseTerminalId(terminalId: string): TerminalRef | undefined {
  const [, taskId, limit] = TERMINAL_ID.exec(terminalId) ?? [];
  if (taskId === undefined) return undefined;
  return limit === undefined ? { taskId } : { taskId, outputByteLimit: Number(limit) };
}
