import { InvalidArgumentError } from 'commander';
import { beforeAll, describe, expect, it } from 'vitest';
import { lifetimeArg, lifetimeMarker, lifetimeParams, ttlArg } from './lifetime-options.js';
import { loadUnits } from './units.js';

// main() loads the duration parser before commander parses --ttl (units.ts).
beforeAll(() => loadUnits());

const NOW = Date.parse('2025-01-01T00:00:00.000Z');
const inMs = (ms: number) => new Date(NOW + ms).toISOString();

describe('lifetimeMarker (the ps STATE addition)', () => {
  it('says session, and the time the TTL has left without spaces', () => {
    expect(lifetimeMarker({ state: 'running', lifetime: 'session' }, NOW)).toBe('session');
    expect(lifetimeMarker({ state: 'running', expiresAt: inMs(7_140_000) }, NOW)).toBe('ttl 1h59m');
    expect(lifetimeMarker({ state: 'stopping', lifetime: 'session', expiresAt: inMs(90_000) }, NOW)).toBe(
      'session, ttl 1m30s',
    );
  });

  it('says ttl 0ms once the TTL is due, and nothing for a persistent or an ended task', () => {
    expect(lifetimeMarker({ state: 'running', expiresAt: inMs(-5_000) }, NOW)).toBe('ttl 0ms');
    expect(lifetimeMarker({ state: 'running' }, NOW)).toBe('');
    expect(lifetimeMarker({ state: 'killed', lifetime: 'session', expiresAt: inMs(1000) }, NOW)).toBe('');
  });
});

describe('--lifetime and --ttl', () => {
  it('take persistent, session and durations; refuse the rest in words', () => {
    expect(lifetimeArg('session')).toBe('session');
    expect(lifetimeArg('persistent')).toBe('persistent');
    expect(() => lifetimeArg('forever')).toThrow(InvalidArgumentError);
    expect(ttlArg('2h')).toBe(7_200_000);
    expect(ttlArg('90')).toBe(90_000);
    expect(() => ttlArg('0')).toThrow(
      '"0" is too short: it must be more than 0; leave --ttl out for no time limit',
    );
    expect(() => ttlArg('31d')).toThrow('"31d" is too long: it must be at most 30d');
  });

  it('give task/run only what differs from the defaults, and need a session for lifetime session', () => {
    expect(lifetimeParams({}, undefined)).toEqual({});
    expect(lifetimeParams({ lifetime: 'persistent', ttl: 5000 }, undefined)).toEqual({ ttlMs: 5000 });
    expect(lifetimeParams({ lifetime: 'session' }, 'S')).toEqual({ lifetime: 'session' });
    expect(() => lifetimeParams({ lifetime: 'session' }, undefined)).toThrow(
      /add --session <id> or set TEND_SESSION/,
    );
  });
});
