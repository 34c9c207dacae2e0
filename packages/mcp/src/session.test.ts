import { describe, expect, it } from 'vitest';
import { defaultSession, fitName, readerFor } from './session.js';

describe('the session of an MCP server', () => {
  it('is TEND_SESSION when set, else derived from the workspace so that a restarted agent finds its tasks again', () => {
    expect(defaultSession('/home/ada/app', { TEND_SESSION: 'conversation-7' })).toBe('conversation-7');
    expect(defaultSession('/home/ada/app', {})).toBe('mcp:/home/ada/app');
    expect(defaultSession('/home/ada/app', { TEND_SESSION: '  ' })).toBe('mcp:/home/ada/app');
  });

  it('is shortened stably, within the daemon limits, for very long workspaces; distinct paths stay distinct', () => {
    const deep = `/home/ada/${'nested/'.repeat(40)}app`;
    const session = defaultSession(deep, {});
    expect(session.length).toBe(200);
    expect(session).toBe(defaultSession(deep, {}));
    expect(session.startsWith('mcp:/home/ada/')).toBe(true);
    expect(session).not.toBe(defaultSession(`${deep}2`, {}));
    expect(readerFor(session).length).toBe(100);
    expect(readerFor('mcp:/short')).toBe('mcp:/short');
  });

  it('keeps names that fit unchanged', () => {
    expect(fitName('abc', 3)).toBe('abc');
    expect(fitName('abcd', 20)).toBe('abcd');
  });
});
