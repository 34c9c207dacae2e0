import { describe, expect, it } from 'vitest';
import { defaultReader } from './reader-name.js';

describe('defaultReader', () => {
  it('names the reader after the user running the CLI', () => {
    expect(defaultReader(() => ({ username: 'ada' }))).toBe('cli:ada');
  });

  it('falls back to $USER or the uid when the account has no passwd entry', () => {
    const name = defaultReader(() => {
      throw new Error('ENOENT: no such file or directory, uv_os_get_passwd');
    });
    expect(name).toMatch(/^cli:.+/);
    expect(name).toBe(`cli:${process.env.USER || `uid-${process.getuid?.()}`}`);
  });
});
