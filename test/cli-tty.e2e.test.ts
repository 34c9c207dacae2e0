// `tend run --tty`: the command sees a terminal; the CLI passes the flag through.
import { existsSync } from 'node:fs';
import type { Task } from '@tend/protocol';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CLI_BIN, cleanUpTendHome, makeTendHome, tend, tendJson } from './helpers.js';

let home: string;

beforeAll(() => {
  if (!existsSync(CLI_BIN)) throw new Error(`${CLI_BIN} is missing: run \`pnpm build\` first`);
});
beforeEach(() => {
  home = makeTendHome();
});
afterEach(async () => {
  await cleanUpTendHome(home);
});

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
