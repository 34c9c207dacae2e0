// Schemas of the request fields that end up in an execve(2) call or a path: the
// kernel's limits are checked at the boundary, so that a bad value is answered
// -32602 naming the field instead of failing at spawn (or being stored and sent
// back with every task/list).
import { lazySchema } from './lazy-schema.js';
import * as z from 'zod';
import {
  MAX_COMMAND_BYTES,
  MAX_COMMAND_ENV_BYTES,
  MAX_ENV_ENTRY_BYTES,
  MAX_ENV_VARS,
  MAX_PATH_BYTES,
} from './limits.js';

/** UTF-8 length of `text`, in bytes, without Buffer (this package has no node:* imports). */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

/** No NUL byte: execve(2) arguments and environment strings end at the first one. */
const NO_NUL = /^[^\0]*$/;

/** A shell command line: not blank, no NUL, at most {@link MAX_COMMAND_BYTES} UTF-8 bytes. */
export const ShellCommandSchema = lazySchema(() =>
  z
    .string()
    .max(MAX_COMMAND_BYTES, `must be at most ${MAX_COMMAND_BYTES} bytes (the kernel's limit on one argument)`)
    .regex(/\S/, 'must be a non-empty shell command')
    .regex(NO_NUL, 'must not contain a NUL byte')
    .refine(
      (c) => utf8Length(c) <= MAX_COMMAND_BYTES,
      `must be at most ${MAX_COMMAND_BYTES} bytes of UTF-8 (the kernel's limit on one argument)`,
    ),
);

/** An absolute path: starts with `/`, no NUL, at most {@link MAX_PATH_BYTES} UTF-8 bytes. */
export const AbsolutePathSchema = lazySchema(() =>
  z
    .string()
    .max(MAX_PATH_BYTES, `must be at most ${MAX_PATH_BYTES} bytes (PATH_MAX)`)
    .regex(/^\//, 'must be an absolute path')
    .regex(NO_NUL, 'must not contain a NUL byte')
    .refine(
      (p) => utf8Length(p) <= MAX_PATH_BYTES,
      `must be at most ${MAX_PATH_BYTES} bytes of UTF-8 (PATH_MAX)`,
    ),
);

/** An environment variable's name: not empty, no `=` (it would end the name early) and no NUL. */
export const EnvKeySchema = lazySchema(() =>
  z
    .string()
    .min(1, 'env variable names must not be empty')
    .regex(/^[^=\0]+$/, 'env variable names must not contain "=" or a NUL byte'),
);

/**
 * Variables for a task: names per {@link EnvKeySchema}, values without NUL,
 * each `KEY=value` at most {@link MAX_ENV_ENTRY_BYTES} bytes, at most
 * {@link MAX_ENV_VARS} of them. The total with the command is checked by
 * {@link checkCommandEnvBytes}.
 */
export const EnvSchema = lazySchema(() =>
  z
    .record(
      EnvKeySchema(),
      z
        .string({ error: 'env values must be strings' })
        .regex(NO_NUL, 'env values must not contain a NUL byte'),
    )
    .superRefine((env, ctx) => {
      const keys = Object.keys(env);
      if (keys.length > MAX_ENV_VARS) {
        ctx.addIssue({
          code: 'custom',
          message: `must hold at most ${MAX_ENV_VARS} variables (got ${keys.length})`,
        });
        return;
      }
      for (const key of keys) {
        const bytes = utf8Length(key) + 1 + utf8Length(env[key] as string);
        if (bytes > MAX_ENV_ENTRY_BYTES) {
          ctx.addIssue({
            code: 'custom',
            path: [key],
            message: `KEY=value is ${bytes} bytes; at most ${MAX_ENV_ENTRY_BYTES} (the kernel's limit on one variable)`,
          });
        }
      }
    }),
);

/**
 * Bytes execve(2) would count for `command` and `env` (each string with its
 * NUL), or an error message when over {@link MAX_COMMAND_ENV_BYTES}.
 */
export function checkCommandEnvBytes(command: string, env: Record<string, string>): string | undefined {
  let total = utf8Length(command) + 1;
  for (const [key, value] of Object.entries(env)) total += utf8Length(key) + utf8Length(value) + 2;
  if (total <= MAX_COMMAND_ENV_BYTES) return undefined;
  return `command and env together take ${total} bytes; at most ${MAX_COMMAND_ENV_BYTES} (half the kernel's ARG_MAX)`;
}

/**
 * A umask as octal digits (`"022"`, `"0077"`, at most `"0777"`), the form
 * `umask(1)` prints; a string so that JSON cannot turn `022` into 22.
 */
export const UmaskSchema = lazySchema(() =>
  z
    .string()
    .regex(/^0?[0-7]{1,3}$/, 'must be a umask in octal digits, "000" to "0777" (as umask(1) prints it)'),
);
