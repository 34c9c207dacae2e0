import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Task } from '@tend/protocol';
import { describe, expect, it } from 'vitest';
import { CLI_BIN, cliEnv, tend, tendJson } from './helpers.js';
import { home, useTendHome } from './cli-setup.js';

useTendHome();

const tasksDir = () => join(home, 'state', 'tasks');

/** Runs `command` as a task through the CLI and waits for its end; returns its id. */
async function runEnded(command: string): Promise<string> {
  const run = await tend(home, ['run', '--', command]);
  expect(run.code).toBe(0);
  const id = run.stdout.trim();
  await tend(home, ['wait', id]);
  return id;
}

/**
 * Runs `tend <args>` with stdin and stdout on a pseudo-terminal (util-linux
 * script(1)), typing `input`; resolves with what the terminal showed and the exit code.
 */
function tendOnTerminal(args: string[], input: string): Promise<{ code: number | null; screen: string }> {
  return new Promise((resolve, reject) => {
    const command = [process.execPath, CLI_BIN, ...args]
      .map((word) => `'${word.replace(/'/g, `'\\''`)}'`)
      .join(' ');
    const child = spawn('script', ['-qec', command, '/dev/null'], {
      env: cliEnv(home),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let screen = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      screen += chunk;
      // Answer once the question is on screen.
      if (screen.includes('[y/N]') && !child.stdin.writableEnded) child.stdin.end(input);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, screen }));
  });
}

describe('tend rm', () => {
  it('leaves no trace of the task in inbox -a or on disk', async () => {
    const id = await runEnded('echo TOKEN=hunter2');
    expect((await tend(home, ['inbox', '-a'])).stdout).toContain('TOKEN=hunter2');
    expect(existsSync(join(tasksDir(), id))).toBe(true);

    const rm = await tend(home, ['rm', id]);
    expect(rm).toMatchObject({ code: 0, stdout: `${id}\n` });
    const inbox = await tend(home, ['inbox', '-a']);
    expect(inbox.stdout).not.toContain('hunter2');
    expect(inbox.stdout).not.toContain(id);
    expect(JSON.stringify(await tendJson(home, ['inbox', '-a']))).not.toContain(id);
    expect(existsSync(join(tasksDir(), id))).toBe(false);
    expect((await tendJson<Task[]>(home, ['ps', '-a'])).map((t) => t.id)).not.toContain(id);
  });
});

describe('tend prune', () => {
  it('refuses without -f when stdin is not a terminal, and says to pass -f', async () => {
    const id = await runEnded('exit 3');
    const result = await tend(home, ['prune']);
    expect(result.code).toBe(125);
    expect(result.stderr).toMatch(/pass -f/);
    expect(existsSync(join(tasksDir(), id))).toBe(true);
    expect((await tend(home, ['prune', '--help'])).stdout).toMatch(/refuses unless -f/);
  });

  it('with -f and --filter removes only the matching ended tasks, never live ones, and says what it freed', async () => {
    const live = (await tend(home, ['run', '--', 'sleep 300'])).stdout.trim();
    const failed = await runEnded('echo bad; exit 3');
    const ok = await runEnded('echo good');

    const pruned = await tend(home, ['prune', '-f', '--filter', 'state=failed']);
    expect(pruned.code).toBe(0);
    expect(pruned.stdout).toMatch(new RegExp(`^Deleted tasks:\\n${failed}\\n\\nTotal reclaimed space: \\d`));
    expect(readdirSync(tasksDir()).sort()).toEqual([live, ok].sort());

    const recent = await tendJson<{ count: number }>(home, ['prune', '-f', '--older-than', '1h']);
    expect(recent.count).toBe(0);
    const rest = await tendJson<{ removed: string[]; dryRun: boolean }>(home, ['prune', '-f']);
    expect(rest).toMatchObject({ removed: [ok], dryRun: false });
    const tasks = await tendJson<Task[]>(home, ['ps', '-a']);
    expect(tasks.map((t) => [t.id, t.state])).toEqual([[live, 'running']]);

    const badFilter = await tend(home, ['prune', '-f', '--filter', 'state=running']);
    expect(badFilter.code).toBe(125);
    expect(badFilter.stderr).toMatch(/--filter state=running: state must be one of the ended states/);
  });

  it('on a terminal asks first, removing nothing unless the answer is yes', async () => {
    const id = await runEnded('exit 3');
    const declined = await tendOnTerminal(['prune'], 'n\n');
    expect(declined.screen).toMatch(/This will remove 1 ended task [\s\S]*\[y\/N\]/);
    expect(declined.screen).toContain('nothing removed');
    expect(existsSync(join(tasksDir(), id))).toBe(true);

    const accepted = await tendOnTerminal(['prune'], 'y\n');
    expect(accepted.code).toBe(0);
    expect(accepted.screen).toContain(id);
    expect(existsSync(join(tasksDir(), id))).toBe(false);
  });
});
