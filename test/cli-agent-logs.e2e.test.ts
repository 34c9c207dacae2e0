import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { daemonPid, runWaited, tend, tendJson } from './helpers.js';
import { pollUntil, untilFileExists } from './support/poll.mjs';
import { isAlive } from './support/processes.mjs';
import { home, otherClientConnected, runTask, useTendHome } from './cli-setup.js';

// The agent features of the CLI: run --reuse, logs --new (durable cursors), wait --until-…,
// the completion inbox, stats and filters in ps/inspect. Real daemon, real processes.

useTendHome();

/** Calls `tend logs --new` (with `args`) until what it printed, added up, is `expected`; returns the pieces. */
async function readNewUntil(id: string, expected: string, args: string[] = []): Promise<string[]> {
  const pieces: string[] = [];
  await pollUntil(`logs --new to have printed ${JSON.stringify(expected)}`, async () => {
    const result = await tend(home, ['logs', '--new', ...args, id]);
    expect(result.code).toBe(0);
    pieces.push(result.stdout);
    const seen = pieces.join('');
    if (!expected.startsWith(seen))
      throw new Error(`logs --new printed ${JSON.stringify(seen)}, expected ${JSON.stringify(expected)}`);
    return seen === expected ? true : undefined;
  });
  return pieces;
}

describe('tend logs --new', () => {
  it('prints only the bytes this reader has not read yet, and the cursor survives a daemon restart', async () => {
    const [release1, release2] = [join(home, 'r1'), join(home, 'r2')];
    const id = await runTask([
      '--',
      `echo one; ${untilFileExists(release1)}; echo two; ${untilFileExists(release2)}; echo three`,
    ]);
    await readNewUntil(id, 'one\n');
    expect(await tend(home, ['logs', '--new', id])).toEqual({ code: 0, stdout: '', stderr: '' });

    writeFileSync(release1, '');
    await readNewUntil(id, 'two\n');

    const oldPid = daemonPid(home)!;
    expect((await tend(home, ['daemon', 'restart'])).code).toBe(0);
    expect(isAlive(oldPid)).toBe(false);
    writeFileSync(release2, '');
    expect((await tend(home, ['wait', id])).code).toBe(0);
    expect(await tend(home, ['logs', '--new', id])).toEqual({ code: 0, stdout: 'three\n', stderr: '' });
    expect((await tend(home, ['logs', '--new', id])).stdout).toBe('');

    // Another reader has its own cursor; plain logs moves none.
    expect((await tend(home, ['logs', '--reader', 'agent-7', id])).stdout).toBe('one\ntwo\nthree\n');
    expect((await tend(home, ['logs', '--new', '--reader', 'agent-7', id])).stdout).toBe('');
    expect((await tend(home, ['logs', id])).stdout).toBe('one\ntwo\nthree\n');
    expect((await tend(home, ['logs', '--new', id])).stdout).toBe('');
  });

  it('follows from the cursor with -f and moves it, so a later --new prints nothing', async () => {
    const release = join(home, 'release');
    const id = await runTask(['--', `echo a; ${untilFileExists(release)}; echo b; sleep 0.2; echo c`]);
    await readNewUntil(id, 'a\n');
    const following = tend(home, ['logs', '--new', '-f', id]);
    writeFileSync(release, '');
    expect(await following).toEqual({ code: 0, stdout: 'b\nc\n', stderr: '' });
    expect((await tend(home, ['logs', '--new', id])).stdout).toBe('');
  });

  it('refuses --new together with -n, --head or --bytes', async () => {
    const result = await tend(home, ['logs', '--new', '-n', '3', 'x']);
    expect(result.code).toBe(125);
    expect(result.stderr).toMatch(/^tend: --new .* cannot be combined with -n, --head or --bytes/);
  });
});

describe('tend logs -f, --clean, --grep and --max-bytes', () => {
  it('follows output written after a pause with -f --json: each byte once, in JSON lines, the last one saying the task ended', async () => {
    const release = join(home, 'release');
    const id = await runTask(['--', `echo first; ${untilFileExists(release)}; echo second`]);
    await pollUntil('the first line', async () =>
      (await tend(home, ['logs', id])).stdout === 'first\n' ? true : undefined,
    );
    const following = tend(home, ['logs', '-f', '--json', id]);
    await otherClientConnected();
    writeFileSync(release, '');
    const result = await following;
    expect(result.code).toBe(0);
    const lines = result.stdout
      .trim()
      .split('\n')
      .map(
        (line) => JSON.parse(line) as { data: string; offset: number; nextOffset: number; ended: boolean },
      );
    expect(lines.map((l) => l.data).join('')).toBe('first\nsecond\n');
    expect(lines.at(-1)).toEqual({ data: '', offset: 13, nextOffset: 13, skippedBytes: 0, ended: true });
  });

  it('follows with --grep, printing only the matching lines as they come', async () => {
    const id = await runTask([
      '--',
      'for i in 1 2 3 4; do echo "step $i"; echo "noise $i"; sleep 0.15; done; printf "step end"',
    ]);
    const result = await tend(home, ['logs', '-f', '--grep', '^step', id]);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    // Groups of matches are separated by `--` lines (grep -C style), also without context.
    expect(result.stdout.split('\n').filter((line) => line !== '--')).toEqual([
      'step 1',
      'step 2',
      'step 3',
      'step 4',
      'step end',
      '',
    ]);
  });

  it('strips ANSI escapes and progress redraws with --clean, keeps matching lines with --grep and cuts the middle with --max-bytes', async () => {
    const script =
      "printf '\\033[31mred\\033[0m\\n10%%\\r50%%\\r100%%\\nok 1\\nERROR bad\\nok 2\\n'; seq 1 3000";
    const id = await runWaited(home, ['--', script]);
    expect((await tend(home, ['logs', id, '--clean', '--head', '3'])).stdout).toBe('red\n100%\nok 1\n');
    expect((await tend(home, ['logs', id, '--grep', 'error', '-i', '-C', '1'])).stdout).toBe(
      'ok 1\nERROR bad\nok 2\n',
    );
    const grepped = await tendJson<{ data: string; matches: number }>(home, [
      'logs',
      id,
      '--grep',
      '^(ok|ERROR)',
    ]);
    expect(grepped).toMatchObject({ data: 'ok 1\nERROR bad\nok 2\n', matches: 3 });
    const cut = await tend(home, ['logs', id, '--max-bytes', '400']);
    expect(Buffer.byteLength(cut.stdout)).toBeLessThanOrEqual(400 + 60);
    expect(cut.stdout).toMatch(/bytes omitted by tend/);
    expect(cut.stdout.endsWith('2999\n3000\n')).toBe(true);
  });
});
