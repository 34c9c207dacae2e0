import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findExecutable, systemdScopeCommand } from './systemd-scope.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tend-scope-unit-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A bin dir with an executable `systemd-run`, and a runtime dir with or without systemd/private. */
function setUp(privateSocket = true): { PATH: string; XDG_RUNTIME_DIR: string } {
  mkdirSync(join(dir, 'bin'));
  writeFileSync(join(dir, 'bin', 'systemd-run'), '#!/bin/sh\n');
  chmodSync(join(dir, 'bin', 'systemd-run'), 0o755);
  mkdirSync(join(dir, 'xdg', 'systemd'), { recursive: true });
  if (privateSocket) writeFileSync(join(dir, 'xdg', 'systemd', 'private'), '');
  return { PATH: `relative/bin:${join(dir, 'bin')}`, XDG_RUNTIME_DIR: join(dir, 'xdg') };
}

describe('systemdScopeCommand', () => {
  it('wraps the daemon argv in systemd-run --user --scope with Delegate=yes', () => {
    const argv = systemdScopeCommand(['/node', '/daemon.js'], setUp(), 1000);
    expect(argv?.slice(0, 7)).toEqual([
      join(dir, 'bin', 'systemd-run'),
      '--user',
      '--scope',
      '--quiet',
      '--collect',
      '-p',
      'Delegate=yes',
    ]);
    expect(argv?.[7]).toMatch(/^--unit=tend-daemon-1000-[0-9a-f]{6}\.scope$/);
    expect(argv?.slice(8)).toEqual(['--', '/node', '/daemon.js']);
  });

  it('gives no scope without the private socket, without XDG_RUNTIME_DIR, without systemd-run, or when turned off', () => {
    expect(systemdScopeCommand(['/node'], setUp(false))).toBeUndefined();
    const env = { PATH: join(dir, 'bin'), XDG_RUNTIME_DIR: join(dir, 'xdg') };
    writeFileSync(join(dir, 'xdg', 'systemd', 'private'), '');
    expect(systemdScopeCommand(['/node'], env)).toBeDefined();
    expect(systemdScopeCommand(['/node'], { ...env, XDG_RUNTIME_DIR: undefined })).toBeUndefined();
    expect(systemdScopeCommand(['/node'], { ...env, XDG_RUNTIME_DIR: 'xdg' })).toBeUndefined();
    expect(systemdScopeCommand(['/node'], { ...env, PATH: join(dir, 'xdg') })).toBeUndefined();
    expect(systemdScopeCommand(['/node'], { ...env, TEND_SYSTEMD_SCOPE: '0' })).toBeUndefined();
    expect(systemdScopeCommand(['/node'], { ...env, TEND_SYSTEMD_SCOPE: '1' })).toBeDefined();
  });

  it('refuses a TEND_SYSTEMD_SCOPE it does not understand, naming the value', () => {
    expect(() => systemdScopeCommand(['/node'], { TEND_SYSTEMD_SCOPE: 'off' })).toThrow(
      'TEND_SYSTEMD_SCOPE="off" is not understood: use 0',
    );
  });
});

describe('findExecutable', () => {
  it('finds only executable regular files in absolute PATH entries', () => {
    mkdirSync(join(dir, 'a'));
    mkdirSync(join(dir, 'b'));
    writeFileSync(join(dir, 'a', 'tool'), '');
    chmodSync(join(dir, 'a', 'tool'), 0o644);
    mkdirSync(join(dir, 'a', 'sub'));
    writeFileSync(join(dir, 'b', 'tool'), '');
    chmodSync(join(dir, 'b', 'tool'), 0o755);
    const path = `${join(dir, 'a')}::.:${join(dir, 'b')}`;
    // As root, access(X_OK) on a 0644 file fails (no x bit at all), so a/tool is skipped.
    expect(findExecutable('tool', path)).toBe(join(dir, 'b', 'tool'));
    expect(findExecutable('sub', path)).toBeUndefined();
    expect(findExecutable('tool', undefined)).toBeUndefined();
  });
});
