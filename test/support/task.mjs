// @ts-check
/**
 * A task object as the daemon sends it (`Task` of @tend/protocol), for tests that render or map
 * tasks without a daemon: a running `sleep 1` in /tmp, created 2025-01-01T00:00:00Z, with no output,
 * and `fields` over it (e.g. `{ state: 'failed', exitCode: 3 }`).
 * @param {Partial<import('@tend/protocol').Task>} [fields]
 * @returns {import('@tend/protocol').Task}
 */
export function makeTask(fields = {}) {
  const id = fields.id ?? 'abc123';
  return {
    id,
    command: 'sleep 1',
    cwd: '/tmp',
    env: {},
    inheritEnv: true,
    restarts: 0,
    state: 'running',
    containment: 'marker',
    createdAt: '2025-01-01T00:00:00.000Z',
    outputBytes: 0,
    logPath: `/tmp/${id}/output.log`,
    ...fields,
  };
}
