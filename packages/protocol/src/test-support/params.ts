import type { ZodType } from 'zod';
import { expect } from 'vitest';
import { InvalidParamsError, parseParams } from '../method.js';

// Shared by the params tests (src/*-params.test.ts).

/** The InvalidParamsError that parsing `raw` throws; fails the test when parsing succeeds. */
export function refusal(def: { method: string; params: ZodType }, raw: unknown): InvalidParamsError {
  try {
    parseParams(def, raw);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidParamsError);
    return error as InvalidParamsError;
  }
  throw new Error(`expected ${def.method} to refuse ${JSON.stringify(raw)}`);
}

/** The smallest valid task/run params. */
export const run = { command: 'make test', cwd: '/home/ada/src' };
