import { describe, expect, it } from 'vitest';
import { parseParams } from './method.js';
import { DaemonInitialize } from './methods/daemon-initialize.js';
import { DaemonShutdown } from './methods/daemon-shutdown.js';
import { DaemonStatus } from './methods/daemon-status.js';
import { refusal } from './test-support/params.js';

// daemon/initialize, daemon/status and daemon/shutdown params.

describe('daemon params', () => {
  it('accepts an initialize with a client name only', () => {
    const params = { protocolVersion: 2, client: { name: 'my-client' } };
    expect(parseParams(DaemonInitialize, params)).toEqual(params);
  });

  it('refuses a zero protocolVersion and a client without a name, reporting both', () => {
    const error = refusal(DaemonInitialize, { protocolVersion: 0, client: {} });
    expect(error.issues).toHaveLength(2);
    expect(error.issues[0]).toMatch(/^protocolVersion: .*\(got 0\)$/);
    expect(error.issues[1]).toMatch(/^client\.name: /);
  });

  it('refuses an unknown field inside client', () => {
    expect(refusal(DaemonInitialize, { protocolVersion: 2, client: { name: 'x', pid: 1 } }).issues).toEqual([
      'client: unknown field(s) "pid"',
    ]);
  });

  it('treats missing or null shutdown params as {} and applies the defaults', () => {
    expect(parseParams(DaemonShutdown, undefined)).toEqual({
      killTasks: false,
      graceMs: 10_000,
      restart: false,
    });
    expect(parseParams(DaemonShutdown, null)).toEqual({ killTasks: false, graceMs: 10_000, restart: false });
  });

  it('refuses any field on daemon/status', () => {
    expect(refusal(DaemonStatus, { verbose: true }).issues).toEqual(['params: unknown field(s) "verbose"']);
  });
});
