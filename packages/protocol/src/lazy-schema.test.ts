import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { lazySchema } from './lazy-schema.js';
import { defineRequest } from './method.js';
import { NOTIFICATIONS, REQUESTS } from './methods.js';

describe('lazySchema', () => {
  it('builds on the first call only, and builds again after a build that threw', () => {
    let builds = 0;
    const schema = lazySchema(() => {
      builds++;
      if (builds === 1) throw new Error('first build fails');
      return z.string();
    });
    expect(builds).toBe(0);
    expect(() => schema()).toThrow('first build fails');
    const built = schema();
    expect(schema()).toBe(built);
    expect(builds).toBe(2);
  });
});

describe('method objects', () => {
  it('build params and result on first read, one instance each', () => {
    const built: string[] = [];
    const method = defineRequest({
      method: 'task/get',
      summary: 'x',
      params: () => {
        built.push('params');
        return z.object({ id: z.string() });
      },
      result: () => {
        built.push('result');
        return z.object({});
      },
      errors: [],
    });
    expect(built).toEqual([]);
    expect(method.params).toBe(method.params);
    expect(built).toEqual(['params']);
    expect(method.result).toBe(method.result);
    expect(built).toEqual(['params', 'result']);
    expect(method).toMatchObject({ kind: 'request', method: 'task/get', summary: 'x', errors: [] });
  });

  it('every method of the protocol gives zod schemas', () => {
    for (const m of REQUESTS) {
      expect(m.params, m.method).toBeInstanceOf(z.ZodType);
      expect(m.result, m.method).toBeInstanceOf(z.ZodType);
    }
    for (const m of NOTIFICATIONS) expect(m.params, m.method).toBeInstanceOf(z.ZodType);
  });
});
