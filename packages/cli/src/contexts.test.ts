import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { contextsPath, readContexts, resolveTarget, writeContexts } from './contexts.js';
import { CliError } from './errors.js';

let home: string;
let env: Record<string, string>;

beforeEach(() => {
  home = mkdtempSync('/tmp/tend-');
  env = { TEND_HOME: home };
});

afterEach(() => {
  rmSync(home, { recursive: true, force: true });
});

describe('resolveTarget', () => {
  it('is the local daemon when nothing names a host', () => {
    expect(resolveTarget({}, env)).toEqual({});
  });

  it('takes --host, --context, TEND_HOST, TEND_CONTEXT, then the current context, in that order', () => {
    writeContexts(
      {
        current: 'cur',
        contexts: {
          cur: { host: 'ssh://cur' },
          named: { host: 'ssh://named' },
          envctx: { host: 'ssh://envctx' },
        },
      },
      env,
    );
    const all = { ...env, TEND_HOST: 'ssh://from-env', TEND_CONTEXT: 'envctx' };
    expect(resolveTarget({ host: 'ssh://flag' }, all)).toEqual({ host: 'ssh://flag' });
    expect(resolveTarget({ context: 'named' }, all)).toEqual({ host: 'ssh://named', context: 'named' });
    expect(resolveTarget({}, all)).toEqual({ host: 'ssh://from-env' });
    expect(resolveTarget({}, { ...env, TEND_CONTEXT: 'envctx' })).toEqual({
      host: 'ssh://envctx',
      context: 'envctx',
    });
    expect(resolveTarget({}, env)).toEqual({ host: 'ssh://cur', context: 'cur' });
    // "default" is this machine, wherever it is named.
    expect(resolveTarget({ context: 'default' }, all)).toEqual({});
  });

  it('refuses --host with --context, and a context that does not exist', () => {
    expect(() => resolveTarget({ host: 'ssh://a', context: 'b' }, env)).toThrow(/give one of them/);
    expect(() => resolveTarget({ context: 'nope' }, env)).toThrow(CliError);
    expect(() => resolveTarget({ context: 'nope' }, env)).toThrow(/no context named "nope"/);
  });
});

describe('contexts.json', () => {
  it('lives in the config directory, written 0600', () => {
    writeContexts({ contexts: { devbox: { host: 'ssh://devbox' } } }, env);
    expect(contextsPath(env)).toBe(join(home, 'config', 'contexts.json'));
    expect(JSON.parse(readFileSync(contextsPath(env), 'utf8'))).toEqual({
      contexts: { devbox: { host: 'ssh://devbox' } },
    });
    expect(readContexts(env).contexts.devbox?.host).toBe('ssh://devbox');
  });

  it('names the file when it is broken', () => {
    mkdirSync(join(home, 'config'));
    writeFileSync(contextsPath(env), '{"contexts": {"a": {}}}');
    expect(() => readContexts(env)).toThrow(contextsPath(env));
    writeFileSync(contextsPath(env), 'not json');
    expect(() => readContexts(env)).toThrow(/is not valid JSON/);
  });
});
