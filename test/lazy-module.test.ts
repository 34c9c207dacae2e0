// The stand-ins the daemon bundle uses for modules it loads at first use (scripts/lazy-module.mjs).
import { describe, expect, it } from 'vitest';
import { lazy, once } from '../scripts/lazy-module.mjs';

class Engine {
  static FLAG = 4;
  static compile(source: string) {
    return new Engine(source);
  }
  constructor(readonly source: string) {}
}
class EngineError extends Error {}

describe('lazy stand-ins', () => {
  it('load nothing until first used, then once', () => {
    let loads = 0;
    const load = once(() => {
      loads++;
      return {
        Engine,
        EngineError,
        assertOk: (ok: boolean) =>
          ok ||
          (() => {
            throw new Error('not ok');
          })(),
      };
    });
    const LazyEngine = lazy(() => load().Engine);
    const LazyError = lazy(() => load().EngineError);
    expect(loads).toBe(0);
    expect(LazyEngine.FLAG).toBe(4);
    expect(loads).toBe(1);
    expect(LazyEngine.compile('a+').source).toBe('a+');
    expect(new LazyEngine('b').source).toBe('b');
    expect(new EngineError('x') instanceof LazyError).toBe(true);
    expect(new Error('x') instanceof LazyError).toBe(false);
    expect('compile' in LazyEngine).toBe(true);
    expect(loads).toBe(1);
  });

  it('call through to a function and bind methods to the real module', () => {
    const mod = lazy(() => ({
      base: 2,
      twice(this: { base: number }, n: number) {
        return n * this.base;
      },
    }));
    expect(mod.twice(21)).toBe(42);
    const fn = lazy(() => (a: number, b: number) => a + b);
    expect(fn(1, 2)).toBe(3);
  });
});
