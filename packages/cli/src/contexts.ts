// Named remote hosts (`tend context`, docker's word) and the choice of the host a command talks to.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolvePaths } from '@tend/protocol/wire';
import { CliError } from './errors.js';

/** The context that means "the local daemon"; it cannot be created or removed (docker's `default`). */
export const DEFAULT_CONTEXT = 'default';

/** One named context: the daemon it reaches. */
export interface TendContext {
  /** `ssh://[user@]host[:port]`. */
  host: string;
  /** Free text shown by `tend context ls`. */
  description?: string;
}

/** `<config dir>/contexts.json`: the contexts and the one in use. */
export interface ContextsFile {
  /** Name of the context used when neither --host, --context, TEND_HOST nor TEND_CONTEXT says; absent: default. */
  current?: string;
  contexts: Record<string, TendContext>;
}

/** Letters, digits, `.`, `_` and `-`, starting with a letter or digit, at most 64 characters. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** `contexts.json` in tend's config directory (`$TEND_HOME/config`, else `$XDG_CONFIG_HOME/tend`, else `~/.config/tend`). */
export function contextsPath(env: Record<string, string | undefined> = process.env): string {
  return join(resolvePaths({ env }).configDir, 'contexts.json');
}

/**
 * Reads contexts.json; a missing file is no contexts.
 * @throws CliError naming the file when it is not JSON of the right shape.
 */
export function readContexts(env: Record<string, string | undefined> = process.env): ContextsFile {
  const path = contextsPath(env);
  // Most users have none: no ENOENT error built and thrown by every command (the catch covers a file removed meanwhile).
  if (!existsSync(path)) return { contexts: {} };
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { contexts: {} };
    throw new CliError(`cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new CliError(`${path} is not valid JSON (${(err as Error).message}); fix or remove it`, {
      cause: err,
      reason: 'invalid_config',
    });
  }
  const file = parsed as Partial<ContextsFile> | null;
  const valid =
    typeof file === 'object' &&
    file !== null &&
    typeof file.contexts === 'object' &&
    file.contexts !== null &&
    Object.values(file.contexts).every((c) => typeof c?.host === 'string') &&
    (file.current === undefined || typeof file.current === 'string');
  if (!valid) {
    throw new CliError(
      `${path} should be {"current"?: NAME, "contexts": {NAME: {"host": "ssh://…"}}}; fix or remove it`,
      { reason: 'invalid_config' },
    );
  }
  return file as ContextsFile;
}

/** Writes contexts.json atomically (temp file, rename), mode 0600, creating the config directory (0700). */
export function writeContexts(
  file: ContextsFile,
  env: Record<string, string | undefined> = process.env,
): void {
  const path = contextsPath(env);
  mkdirSync(resolvePaths({ env }).configDir, { recursive: true, mode: 0o700 });
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  renameSync(temp, path);
}

/**
 * @throws CliError when `name` is not a valid context name (or is `default`, with `allowDefault` off).
 */
export function checkContextName(name: string, { allowDefault = false } = {}): void {
  if (name === DEFAULT_CONTEXT && !allowDefault)
    throw new CliError('"default" is the local daemon\'s context and cannot be created or removed');
  if (!NAME.test(name))
    throw new CliError(
      `bad context name ${JSON.stringify(name)}: use letters, digits, ".", "_" and "-" (at most 64, starting with a letter or digit)`,
    );
}

/** What a command talks to: a remote host, or the local daemon (`host` undefined). */
export interface Target {
  host?: string;
  /** The context it came from, if any. */
  context?: string;
}

/**
 * The daemon a command talks to, first match wins (docker's order): `--host`, `--context`, `$TEND_HOST`,
 * `$TEND_CONTEXT`, the context chosen with `tend context use`, else the local daemon. The context
 * `default` is the local daemon. Reads contexts.json only when a context is named or TEND_HOST is unset.
 * @throws CliError for both --host and --context, or a context that does not exist.
 */
export function resolveTarget(
  options: { host?: string; context?: string },
  env: Record<string, string | undefined> = process.env,
): Target {
  if (options.host !== undefined && options.context !== undefined)
    throw new CliError('--host and --context both name a daemon: give one of them');
  if (options.host !== undefined) return options.host === '' ? {} : { host: options.host };
  const named = options.context ?? (env.TEND_HOST ? undefined : env.TEND_CONTEXT || undefined);
  if (named === undefined && env.TEND_HOST) return { host: env.TEND_HOST };
  const file = readContexts(env);
  const name = named ?? file.current;
  if (name === undefined || name === DEFAULT_CONTEXT) return {};
  const context = file.contexts[name];
  if (!context) {
    const known = Object.keys(file.contexts);
    const where = named === undefined ? ` (the current context in ${contextsPath(env)})` : '';
    throw new CliError(
      `no context named "${name}"${where}; ${known.length > 0 ? `the contexts are ${[DEFAULT_CONTEXT, ...known].join(', ')}` : 'create it with: tend context create NAME --host ssh://user@host'}`,
      { reason: 'context_not_found' },
    );
  }
  return { host: context.host, context: name };
}
