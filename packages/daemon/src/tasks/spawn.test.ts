import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readProcStat } from '../runtime/proc.js';
import { readExitRecord, reserveExitRecord } from './exit-record.js';
import { type SpawnRequest, spawnTask } from './spawn.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync('/tmp/tend-spawn-');
});
// maxRetries: a wrapper's last child (its mkfifo, say) may still be finishing a syscall in the folder.
afterEach(() => rmSync(dir, { recursive: true, force: true, maxRetries: 5 }));

function request(command: string, extra: Partial<SpawnRequest> = {}): SpawnRequest {
  const exitPath = join(dir, 'exit');
  reserveExitRecord(exitPath);
  return {
    exitPath,
    logPath: join(dir, 'output.log'),
    taskId: 'spawntest1',
    shell: '/bin/sh',
    command,
    cwd: dir,
    env: { PATH: '/usr/bin:/bin' },
    inheritEnv: false,
    tty: false,
    ...extra,
  };
}

/** The wrapper's exit event: [code, signal]. */
function exitOf(task: Awaited<ReturnType<typeof spawnTask>>): Promise<[number | null, string | null]> {
  return new Promise((resolve) => task.subprocess.once('exit', (code, signal) => resolve([code, signal])));
}

describe('spawnTask', () => {
  it('starts the wrapper detached (own session and group), output to the log, stdin /dev/null, the marker set', async () => {
    const task = await spawnTask(
      request(
        'echo out; echo err >&2; echo "marker=$TEND_TASK_ID extra=$EXTRA"; cat; readlink /proc/self/fd/0; exit 7',
        { env: { PATH: '/usr/bin:/bin', EXTRA: 'x' } },
      ),
    );
    const exited = exitOf(task);
    const stat = readProcStat(task.pid);
    // Read before the event loop runs again: until then the wrapper is at worst an unreaped zombie.
    expect([stat?.pgid, stat?.sid]).toEqual([task.pid, task.pid]);
    expect(await exited).toEqual([7, null]);
    expect(readExitRecord(join(dir, 'exit'))).toMatchObject({ status: 7 });
    expect(readFileSync(join(dir, 'output.log'), 'utf8')).toBe(
      'out\nerr\nmarker=spawntest1 extra=x\n/dev/null\n',
    );
    expect(task.log.ino).toBeGreaterThan(0);
  });

  it("passes the daemon's environment under the task's only with inheritEnv", async () => {
    process.env.TEND_SPAWN_TEST_VAR = 'daemon';
    try {
      const command = 'echo "var=${TEND_SPAWN_TEST_VAR-unset} own=$OWN"';
      const withEnv = await spawnTask(request(command, { inheritEnv: true, env: { OWN: 'o' } }));
      await exitOf(withEnv);
      const without = await spawnTask(request(command, { env: { PATH: '/usr/bin:/bin', OWN: 'o' } }));
      await exitOf(without);
      expect(readFileSync(join(dir, 'output.log'), 'utf8')).toBe('var=daemon own=o\nvar=unset own=o\n');
    } finally {
      delete process.env.TEND_SPAWN_TEST_VAR;
    }
  });

  it('starts from daemonEnv, when given, instead of process.env, and reports the size of the log it opened', async () => {
    process.env.TEND_SPAWN_TEST_VAR = 'live';
    try {
      const command = 'echo "var=${TEND_SPAWN_TEST_VAR-unset} own=$OWN"';
      const first = await spawnTask(
        request(command, {
          inheritEnv: true,
          daemonEnv: { PATH: '/usr/bin:/bin', TEND_SPAWN_TEST_VAR: 'snapshot', OWN: 'daemon' },
          env: { OWN: 'o' },
        }),
      );
      expect(first.logBytes).toBe(0);
      await exitOf(first);
      // daemonEnv counts only with inheritEnv.
      const second = await spawnTask(
        request(command, { daemonEnv: { TEND_SPAWN_TEST_VAR: 'snapshot' }, env: { PATH: '/usr/bin:/bin' } }),
      );
      expect(second.logBytes).toBe('var=snapshot own=o\n'.length);
      await exitOf(second);
      expect(readFileSync(join(dir, 'output.log'), 'utf8')).toBe('var=snapshot own=o\nvar=unset own=\n');
    } finally {
      delete process.env.TEND_SPAWN_TEST_VAR;
    }
  });

  it('reports a signal that ended the wrapper in its exit event', async () => {
    const task = await spawnTask(request('sleep 30'));
    const exited = exitOf(task);
    // The whole process group (the wrapper leads it): its `sleep 30` must not outlive the test.
    process.kill(-task.pid, 'SIGKILL');
    expect(await exited).toEqual([null, 'SIGKILL']);
  });

  it('rejects with the OS error, naming the missing cwd, when the process cannot be started', async () => {
    await expect(spawnTask(request('true', { cwd: join(dir, 'gone') }))).rejects.toThrow(
      `spawn /bin/sh ENOENT (cwd ${join(dir, 'gone')} no longer exists)`,
    );
  });

  it('rejects with the OS error when the kernel refuses the exec (E2BIG: arguments too long)', async () => {
    await expect(spawnTask(request(`: ${'x'.repeat(4 * 1024 * 1024)}`))).rejects.toThrow(/E2BIG/);
  });
});
