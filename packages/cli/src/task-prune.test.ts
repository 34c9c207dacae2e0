import { describe, expect, it } from 'vitest';
import { CliError } from './errors.js';
import { parsePruneFilters } from './task-prune.js';

describe('parsePruneFilters', () => {
  it('reads docker-style state= (any of several) and until= filters, --older-than as until', () => {
    expect(parsePruneFilters([], 60_000)).toEqual({ olderThanMs: 60_000 });
    expect(parsePruneFilters(['state=failed', 'state=lost', 'until=2h'])).toEqual({
      state: ['failed', 'lost'],
      olderThanMs: 7_200_000,
    });
  });

  it('refuses live states, unknown keys and bad durations, naming the filter', () => {
    expect(() => parsePruneFilters(['state=running'])).toThrow(CliError);
    expect(() => parsePruneFilters(['state=running'])).toThrow(
      /--filter state=running: state must be one of the ended states/,
    );
    expect(() => parsePruneFilters(['label=x'])).toThrow(/--filter label=x: unknown filter/);
    expect(() => parsePruneFilters(['until=soon'])).toThrow(/--filter until=soon: "soon" is not a duration/);
  });
});
