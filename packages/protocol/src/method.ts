import type { z } from 'zod';
import type { ErrorReasonName } from './errors.js';
import { lazySchema } from './lazy-schema.js';
import { MAX_PARAMS_DEPTH } from './limits.js';
import type { NotificationName, RequestName } from './method-names.js';

/** A JSON-RPC request method: its name, param and result schemas, and docs. */
export interface RequestMethod<
  P extends z.ZodType = z.ZodType,
  R extends z.ZodType = z.ZodType,
  N extends string = string,
> {
  kind: 'request';
  /** `namespace/verb`, e.g. `task/run`: one of REQUEST_NAMES (method-names.ts). */
  method: N;
  /** Param schema: built on first read (see {@link defineRequest}), the same instance afterwards. */
  readonly params: P;
  /** Result schema: built on first read, the same instance afterwards. */
  readonly result: R;
  /** One-paragraph description, used in docs/protocol.md and `--help`. */
  summary: string;
  /** Domain errors (by `data.reason`) the method may answer with, besides invalid_params. */
  errors: readonly ErrorReasonName[];
}

/** A JSON-RPC notification (no reply): past-tense name, e.g. `task/didChange`. */
export interface NotificationMethod<P extends z.ZodType = z.ZodType, N extends string = string> {
  kind: 'notification';
  /** One of NOTIFICATION_NAMES (method-names.ts). */
  method: N;
  /** Param schema: built on first read (see {@link defineNotification}), the same instance afterwards. */
  readonly params: P;
  summary: string;
}

/**
 * The declaration of a request method: its schemas as builders, so that none is built at import
 * (see {@link lazySchema}); the method object reads them on first use.
 */
export interface RequestDeclaration<P extends z.ZodType, R extends z.ZodType, N extends string> {
  /** `namespace/verb`, one of REQUEST_NAMES (method-names.ts). */
  method: N;
  /** Builds the param schema; called once, when `params` is first read. */
  params: () => P;
  /** Builds the result schema; called once, when `result` is first read. */
  result: () => R;
  summary: string;
  errors: readonly ErrorReasonName[];
}

/** The declaration of a notification method: its param schema as a builder (see {@link RequestDeclaration}). */
export interface NotificationDeclaration<P extends z.ZodType, N extends string> {
  /** One of NOTIFICATION_NAMES (method-names.ts). */
  method: N;
  /** Builds the param schema; called once, when `params` is first read. */
  params: () => P;
  summary: string;
}

/**
 * Declares a request method object; the single source for types, validation and docs.
 * Its `method` must be one of REQUEST_NAMES (method-names.ts). `params` and `result` are getters that
 * build their schema on first read and return that same instance afterwards: importing the protocol builds
 * no schema, and the daemon builds a method's on its first request.
 */
export function defineRequest<P extends z.ZodType, R extends z.ZodType, N extends RequestName>(
  def: RequestDeclaration<P, R, N>,
): RequestMethod<P, R, N> {
  const params = lazySchema(def.params);
  const result = lazySchema(def.result);
  return {
    kind: 'request',
    method: def.method,
    get params() {
      return params();
    },
    get result() {
      return result();
    },
    summary: def.summary,
    errors: def.errors,
  };
}

/**
 * Declares a notification method object; its `method` must be one of NOTIFICATION_NAMES (method-names.ts).
 * `params` is a getter that builds its schema on first read (see {@link defineRequest}).
 */
export function defineNotification<P extends z.ZodType, N extends NotificationName>(
  def: NotificationDeclaration<P, N>,
): NotificationMethod<P, N> {
  const params = lazySchema(def.params);
  return {
    kind: 'notification',
    method: def.method,
    get params() {
      return params();
    },
    summary: def.summary,
  };
}

/** Params type of a method object. */
export type ParamsOf<M extends { params: z.ZodType }> = z.input<M['params']>;
/** Params type after validation and defaults. */
export type ParsedParamsOf<M extends { params: z.ZodType }> = z.output<M['params']>;
/** Result type of a request method object. */
export type ResultOf<M extends { result: z.ZodType }> = z.output<M['result']>;

/** Raised by {@link parseParams}; the daemon answers it with -32602. */
export class InvalidParamsError extends Error {
  override name = 'InvalidParamsError';
  constructor(
    readonly method: string,
    readonly issues: string[],
  ) {
    super(`invalid params for ${method}: ${issues.join('; ')}`);
  }
}

/**
 * Validates `raw` against a method's param schema and applies defaults.
 * Params nested deeper than {@link MAX_PARAMS_DEPTH} are refused before the
 * schema sees them (walking them recursively would overflow the stack).
 * @throws InvalidParamsError naming each bad field, what was wrong and the value received.
 */
export function parseParams<M extends { method: string; params: z.ZodType }>(
  def: M,
  raw: unknown,
): ParsedParamsOf<M> {
  if (nestingDepth(raw, MAX_PARAMS_DEPTH) > MAX_PARAMS_DEPTH) {
    throw new InvalidParamsError(def.method, [
      `params: objects and arrays nested deeper than ${MAX_PARAMS_DEPTH} levels`,
    ]);
  }
  const result = def.params.safeParse(raw ?? {}, { reportInput: true });
  if (result.success) return result.data as ParsedParamsOf<M>;
  throw new InvalidParamsError(def.method, result.error.issues.map(formatIssue));
}

function formatIssue(issue: z.core.$ZodIssue): string {
  const where = issue.path.length > 0 ? issue.path.join('.') : 'params';
  const input = (issue as { input?: unknown }).input;
  const got = input === undefined ? '' : ` (got ${truncate(describeInput(input))})`;
  if (issue.code === 'invalid_key') {
    const inner = issue.issues[0]?.message ?? issue.message;
    return `${where}: ${inner}${got}`;
  }
  if (issue.code === 'unrecognized_keys')
    return `${where}: unknown field(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  return `${where}: ${issue.message}${got}`;
}

/**
 * How deeply objects and arrays nest in `value` (a scalar is 0, `{}` is 1),
 * walked without recursion; stops counting once past `stopAbove`.
 */
export function nestingDepth(value: unknown, stopAbove = Number.POSITIVE_INFINITY): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop() as [unknown, number];
    if (item === null || typeof item !== 'object') continue;
    const level = depth + 1;
    if (level > deepest) deepest = level;
    if (deepest > stopAbove) return deepest;
    for (const child of Array.isArray(item) ? item : Object.values(item)) {
      if (child !== null && typeof child === 'object') stack.push([child, level]);
    }
  }
  return deepest;
}

function describeInput(input: unknown): string | undefined {
  if (typeof input === 'string') return JSON.stringify(input.length > 100 ? input.slice(0, 100) : input);
  try {
    return JSON.stringify(input);
  } catch {
    return String(input);
  }
}

function truncate(text: string | undefined): string {
  if (text === undefined) return 'undefined';
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
