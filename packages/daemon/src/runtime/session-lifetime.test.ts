import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { currentSessionLifetime, SESSION_LIFETIME_TTL_MS, sessionLifetime } from './session-lifetime.js';

const USER_UNIT = '0::/user.slice/user-1000.slice/user@1000.service/app.slice/tend.service\n';
let dir: string;
let lingerDir: string;
let logind: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tend-lifetime-'));
  lingerDir = join(dir, 'linger');
  mkdirSync(lingerDir);
  logind = join(dir, 'logind.conf');
  writeFileSync(logind, '[Login]\n#KillUserProcesses=no\n');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('sessionLifetime', () => {
  it('warns that tasks die at logout under a systemd user unit without linger, and names the fix', () => {
    const result = sessionLifetime({
      env: { INVOCATION_ID: 'abc' },
      user: 'ada',
      cgroup: USER_UNIT,
      lingerDir,
      logindConfigs: [logind],
    });
    expect(result).toMatchObject({ systemd: true, unit: 'tend.service', linger: false });
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toContain('loginctl enable-linger ada');
  });

  it('does not warn under a systemd user unit when linger is on', () => {
    writeFileSync(join(lingerDir, 'ada'), '');
    const result = sessionLifetime({
      env: { INVOCATION_ID: 'abc' },
      user: 'ada',
      cgroup: USER_UNIT,
      lingerDir,
      logindConfigs: [logind],
    });
    expect(result).toMatchObject({ systemd: true, linger: true, warnings: [] });
  });

  it('warns outside systemd only when logind kills user processes, the last setting winning', () => {
    const base = {
      env: {},
      user: 'ada',
      cgroup: '0::/user.slice/user-1000.slice/session-3.scope\n',
      lingerDir,
    };
    expect(sessionLifetime({ ...base, logindConfigs: [logind] }).warnings).toEqual([]);
    const dropIn = join(dir, '10-kill.conf');
    writeFileSync(dropIn, '[Login]\nKillUserProcesses=yes\n');
    const killing = sessionLifetime({ ...base, logindConfigs: [logind, dropIn] });
    expect(killing).toMatchObject({ systemd: false, unit: 'session-3.scope' });
    expect(killing.warnings[0]).toMatch(/KillUserProcesses=yes/);
    const undo = join(dir, '20-keep.conf');
    writeFileSync(undo, 'KillUserProcesses=no\n');
    expect(sessionLifetime({ ...base, logindConfigs: [logind, dropIn, undo] }).warnings).toEqual([]);
  });
});

describe('currentSessionLifetime', () => {
  it('reuses its answer within the TTL and computes a new one once the TTL has passed', () => {
    const first = currentSessionLifetime(1_000_000);
    expect(currentSessionLifetime(1_000_000 + SESSION_LIFETIME_TTL_MS - 1)).toBe(first);
    const later = currentSessionLifetime(1_000_000 + SESSION_LIFETIME_TTL_MS);
    expect(later).not.toBe(first);
    expect(later).toEqual(sessionLifetime());
  });
});
