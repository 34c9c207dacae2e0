import type { Task } from '@tend/client';
import type { TendApi, ToolContext } from '../tools/context.js';
import type { WireJson } from '../../../../test/support/wire-json.js';

/** Every call a fake received, by method name, in order. */
export type Calls = { method: string; args: unknown[] }[];

/**
 * A TendApi whose methods are the given implementations; any other method throws
 * (a tool calling something unexpected fails the test). Calls are recorded.
 */
export function fakeTend(methods: Partial<Record<keyof TendApi, (...args: WireJson[]) => unknown>>): {
  api: TendApi;
  calls: Calls;
} {
  const calls: Calls = [];
  const api = new Proxy({} as TendApi, {
    get(_target, method: string | symbol) {
      // Not a thenable: `await ctx.tend()` must resolve to the fake itself.
      if (typeof method !== 'string' || method === 'then') return undefined;
      return async (...args: unknown[]) => {
        calls.push({ method, args });
        const impl = methods[method as keyof TendApi];
        if (!impl) throw new Error(`unexpected call of ${method}(${JSON.stringify(args)})`);
        return impl(...args);
      };
    },
  });
  return { api, calls };
}

/** A ToolContext over `api`, workspace /work/project, session mcp:/work/project. */
export function contextOf(api: TendApi): ToolContext {
  return {
    tend: async () => api,
    session: 'mcp:/work/project',
    reader: 'mcp:/work/project',
    workspace: '/work/project',
  };
}

/** A task as the daemon returns it, running by default; `overrides` win. */
export function task(overrides: Partial<Task> = {}): Task {
  return {
    id: 'k3j9x2ab',
    command: 'npm run dev',
    cwd: '/work/project',
    env: {},
    inheritEnv: true,
    restarts: 0,
    session: 'mcp:/work/project',
    state: 'running',
    pid: 4242,
    pgid: 4242,
    createdAt: '2026-11-21T10:00:00.000Z',
    startedAt: '2026-11-21T10:00:00.010Z',
    durationMs: 65_000,
    outputBytes: 0,
    logPath: '/tmp/state/tasks/k3j9x2ab/output.log',
    ...overrides,
  };
}

/** A task/output result with nothing special: `data` from `offset`, task running. */
export function outputResult(data: string, offset = 0, extra: Record<string, unknown> = {}) {
  const next = offset + Buffer.byteLength(data);
  return {
    data,
    offset,
    nextOffset: next,
    totalBytes: next,
    skippedBytes: 0,
    truncated: false,
    ended: false,
    omittedBytes: 0,
    ...extra,
  };
}
