import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Task } from '@tend/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { home, useTendHome } from './cli-setup.js';
import { tend, tendJson } from './helpers.js';
import {
  API_DELAY_MS,
  freePort,
  makeProject,
  removeProject,
  SERVE_SCRIPT,
  stackToml,
} from './project-stack.js';

useTendHome();

let project: string | undefined;
afterEach(() => removeProject(project));

/** Every task of the project in `dir` (`tend ps -a --project DIR`), by name (each name must occur once). */
async function projectTasks(dir: string): Promise<Record<string, Task>> {
  const tasks = await tendJson<Task[]>(home, ['ps', '-a', '--project', dir]);
  const byName: Record<string, Task> = {};
  for (const task of tasks) {
    expect(byName[task.name as string], `two tasks named ${task.name}`).toBeUndefined();
    byName[task.name as string] = task;
  }
  return byName;
}

const ms = (iso: string | undefined) => Date.parse(iso as string);

/** `tend up`/`down` in the project `dir`: they start and stop node servers, slow on a busy machine (60 s at most). */
const inProject = (dir: string) => ({ cwd: dir, timeoutMs: 60_000 });

describe('tend up / down: the three-task stack', { timeout: 240_000 }, () => {
  it('starts setup, then api, then web once api listens; up again starts nothing; down stops web before api', async () => {
    const [apiPort, webPort] = [await freePort(), await freePort()];
    project = makeProject(stackToml(apiPort, webPort), { 'serve.mjs': SERVE_SCRIPT });
    const up = await tend(home, ['up'], inProject(project));
    expect(up.stderr).toBe('');
    expect(up.code).toBe(0);
    const lines = up.stdout.trim().split('\n');
    for (const name of ['setup', 'api', 'web'])
      expect(lines.some((l) => new RegExp(`^${name}\\s+started`).test(l))).toBe(true);
    expect(lines).toContainEqual(expect.stringMatching(/^setup\s+succeeded/));
    expect(lines).toContainEqual(expect.stringMatching(/^api\s+ready/));
    expect(lines.at(-1)).toMatch(/^web\s+ready/);
    expect(existsSync(join(project, 'setup.done'))).toBe(true);

    const first = await projectTasks(project);
    const { setup, api, web } = first as Record<string, Task>;
    expect(setup?.state).toBe('succeeded');
    expect(setup?.project).toBe(project);
    expect([api?.state, web?.state]).toEqual(['running', 'running']);
    // Dependency order, by the daemon's own times: api after setup ended, web after api's delayed listen.
    expect(ms(api?.startedAt)).toBeGreaterThanOrEqual(ms(setup?.endedAt));
    expect(ms(web?.startedAt)).toBeGreaterThanOrEqual(ms(api?.startedAt) + API_DELAY_MS);

    const again = await tend(home, ['up'], inProject(project));
    expect(again.code).toBe(0);
    expect(again.stdout).not.toMatch(/\bstarted\b/);
    expect(again.stdout).toMatch(/^web\s+reused/m);
    const second = await projectTasks(project);
    expect(Object.fromEntries(Object.entries(second).map(([n, t]) => [n, t.id]))).toEqual(
      Object.fromEntries(Object.entries(first).map(([n, t]) => [n, t.id])),
    );

    const down = await tend(home, ['down'], inProject(project));
    expect(down.code).toBe(0);
    expect(
      down.stdout
        .trim()
        .split('\n')
        .map((l) => l.split(/\s+/)[0]),
    ).toEqual(['web', 'api']);
    const after = await projectTasks(project);
    expect(after.web?.state).toBe('killed');
    expect(after.api?.state).toBe('killed');
    expect(ms(after.web?.endedAt)).toBeLessThanOrEqual(ms(after.api?.endedAt));
  });

  it('exits 1 naming a failed dependency with its last lines, and starts none of its dependants', async () => {
    project = makeProject(`[tasks.migrate]
command = "echo applying 0042; echo 'relation users already exists' >&2; exit 3"

[tasks.api]
command = "sleep 30"
depends_on = { migrate = "succeeded" }

[tasks.web]
command = "sleep 30"
depends_on = ["api"]
`);
    const up = await tend(home, ['up'], inProject(project));
    expect(up.code).toBe(1);
    expect(up.stderr).toMatch(/task "migrate" failed: ended failed \(exit status 3\)/);
    expect(up.stderr).toContain('migrate | relation users already exists');
    expect(up.stderr).toMatch(/task "api" skipped/);
    expect(up.stdout).toMatch(/^web\s+skipped/m);
    const tasks = await projectTasks(project);
    expect(Object.keys(tasks)).toEqual(['migrate']);
  });

  it('starts each task once when two tend up run at the same time', async () => {
    const [apiPort, webPort] = [await freePort(), await freePort()];
    project = makeProject(stackToml(apiPort, webPort), { 'serve.mjs': SERVE_SCRIPT });
    const [a, b] = await Promise.all([
      tend(home, ['up'], inProject(project)),
      tend(home, ['up'], inProject(project)),
    ]);
    expect([a.code, b.code, a.stderr, b.stderr]).toEqual([0, 0, '', '']);
    const all = await tendJson<Task[]>(home, ['ps', '-a', '--project', project]);
    expect(all.map((t) => t.name).sort()).toEqual(['api', 'setup', 'web']);
  });

  it('keeps names per project: two projects each run a task called web; ps --project shows only its own', async () => {
    const toml = '[tasks.web]\ncommand = "sleep 30"\n';
    project = makeProject(toml);
    const other = makeProject(toml);
    try {
      expect((await tend(home, ['up'], inProject(project))).code).toBe(0);
      expect((await tend(home, ['up'], inProject(other))).code).toBe(0);
      const mine = await tendJson<Task[]>(home, ['ps', '--project', project]);
      const theirs = await tendJson<Task[]>(home, ['ps', '--project', other]);
      expect(mine.map((t) => [t.name, t.project])).toEqual([['web', project]]);
      expect(theirs.map((t) => [t.name, t.project])).toEqual([['web', other]]);
      // An ad-hoc task may be called web too.
      expect((await tend(home, ['run', '--name', 'web', '--', 'sleep', '30'])).code).toBe(0);
    } finally {
      await tend(home, ['down'], inProject(other));
      removeProject(other);
    }
  });
});

describe('tend up: bad project files are refused with file, line and key, and nothing starts', {
  timeout: 60_000,
}, () => {
  const cases: [string, string, RegExp][] = [
    [
      'a cycle',
      '[tasks.a]\ncommand = "true"\ndepends_on = ["b"]\n\n[tasks.b]\ncommand = "true"\ndepends_on = ["a"]\n',
      /:3: tasks\.a\.depends_on: dependency cycle: a → b → a/,
    ],
    [
      'an unknown dependency',
      '[tasks.a]\ncommand = "true"\ndepends_on = ["db"]\n',
      /:3: tasks\.a\.depends_on: "db" is not a task of this file/,
    ],
    [
      'an unknown key',
      '[tasks.a]\ncommand = "true"\n\n[tasks.b]\ncommand = "true"\ncomand = "x"\n',
      /:6: tasks\.b\.comand: unknown key/,
    ],
    [
      'a bad ready spec',
      '[tasks.a]\ncommand = "true"\nready = { port = 70000 }\n',
      /:3: tasks\.a\.ready\.port: must be a TCP port/,
    ],
    [
      'two ready checks',
      '[tasks.a]\ncommand = "true"\n\n[tasks.a.ready]\nport = 80\nhttp = "http://x/"\n',
      /:4: tasks\.a\.ready: give exactly one of output, port, http and command/,
    ],
    [
      'a bad condition',
      '[tasks.a]\ncommand = "true"\n[tasks.b]\ncommand = "true"\ndepends_on = { a = "healthy" }\n',
      /:5: tasks\.b\.depends_on\.a: must be "succeeded"/,
    ],
    ['invalid TOML', '[tasks.a]\ncommand = "true"\nready = { port = }\n', /:3:\d+: invalid TOML/],
  ];
  it.each(cases)('%s', async (_what, toml, message) => {
    project = makeProject(toml);
    const up = await tend(home, ['up'], inProject(project));
    expect(up.code).toBe(125);
    expect(up.stderr).toContain(join(project, 'tend.toml'));
    expect(up.stderr).toMatch(message);
    expect(up.stdout).toBe('');
    expect(await tendJson<Task[]>(home, ['ps', '-a'])).toEqual([]);
  });
});
