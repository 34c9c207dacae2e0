import type { Task } from '@tend/protocol';
import { describe, expect, it } from 'vitest';
import { tend, tendJson } from './helpers.js';
import { home, useTendHome } from './cli-setup.js';

useTendHome();

describe('tend run --tty', () => {
  it('runs the command under a terminal, and without --tty not', async () => {
    const check = `python3 -c 'import sys; print(sys.stdout.isatty())'`;
    const withTty = await tend(home, ['run', '--tty', '--wait', '--', check]);
    const without = await tend(home, ['run', '--wait', '--', check]);
    expect(withTty.code, withTty.stderr).toBe(0);
    expect(without.code, without.stderr).toBe(0);
    const tasks = await tendJson<Task[]>(home, ['ps', '-a']);
    const ttyTask = tasks.find((t) => t.tty === true);
    const plainTask = tasks.find((t) => t.tty === undefined);
    expect(ttyTask && plainTask).toBeTruthy();
    expect((await tend(home, ['logs', ttyTask!.id])).stdout).toBe('True\n');
    expect((await tend(home, ['logs', plainTask!.id])).stdout).toBe('False\n');
  });
});
