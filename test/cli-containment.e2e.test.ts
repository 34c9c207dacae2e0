import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Task } from '@tend/protocol';
import { describe, expect, it } from 'vitest';
import { home, runTask, testCgroup, useTendHome } from './cli-setup.js';
import { tend, tendJson } from './helpers.js';
import { pollUntil } from './support/poll.mjs';
import { ownership, recordProcess, signalIfOurs } from './support/processes.mjs';

// `tend daemon status` and `tend inspect` say which containment is in force, and `tend stop` ends
// every process of a task in cgroup mode, escapees included (issue 12). Where no test cgroup can be
// made on this machine, the daemon falls back to marker and the test asserts that and its reason.

useTendHome({ cgroup: true });

describe('containment through the CLI', () => {
  it('shows the containment, and tend stop ends a setsid + env -i escapee and a double fork', async () => {
    writeFileSync(join(home, 'rec.sh'), 'echo $$ > "$1.pid"; exec /bin/sleep 1000\n');
    const id = await runTask([
      '--cwd',
      home,
      '--',
      "setsid env -i /bin/sh ./rec.sh envi & (sh -c 'sh ./rec.sh double &' &); exec sleep 1000",
    ]);
    const status = await tend(home, ['daemon', 'status']);
    expect(status.code).toBe(0);
    const task = await tendJson<Task>(home, ['inspect', id]);
    const files = ['envi', 'double'].map((name) => join(home, `${name}.pid`));
    const escapees = await pollUntil('the escapees to record their pids', () =>
      files.every((file) => existsSync(file) && /^\d+\n$/.test(readFileSync(file, 'utf8')))
        ? files.map((file) => recordProcess(Number(readFileSync(file, 'utf8'))))
        : undefined,
    );
    if (!testCgroup?.path) {
      expect(status.stdout).toMatch(/^contain: {2}marker \(no cgroup: .+\)$/m);
      expect(task.containment).toBe('marker');
      await tend(home, ['kill', '-s', 'KILL', id]);
      // Escapees of a marker-mode task are the marker tests' subject; here they are only cleaned up.
      for (const escapee of escapees) signalIfOurs(escapee, 'SIGKILL');
      return;
    }
    expect(status.stdout).toContain(`contain:  cgroup (each task under ${testCgroup.path})\n`);
    expect(task).toMatchObject({ containment: 'cgroup', cgroup: join(testCgroup.path, `task-${id}`) });
    const stop = await tend(home, ['stop', id]);
    expect(stop.code).toBe(0);
    await pollUntil('the escapees to be gone', () => escapees.every((p) => ownership(p) !== 'ours'));
    await pollUntil('the cgroup to be removed', () => !existsSync(task.cgroup as string));
  });
});
