import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  findProjectFile,
  lineOf,
  loadProjectFile,
  locateProjectFile,
  ProjectFileError,
} from './project-file.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync('/tmp/tend-toml-');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const write = (text: string, name = 'tend.toml') => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};

describe('tend.toml loader', () => {
  it('is found from a directory below, as git finds .git, and -f names another', () => {
    write('[tasks.a]\ncommand = "true"\n');
    mkdirSync(join(dir, 'src', 'deep'), { recursive: true });
    expect(findProjectFile(join(dir, 'src', 'deep'))).toBe(join(dir, 'tend.toml'));
    expect(locateProjectFile(join(dir, 'src')).project).toBe(dir);
    write('[tasks.b]\ncommand = "true"\n', 'other.toml');
    expect(Object.keys(locateProjectFile(join(dir, 'src'), '../other.toml').tasks)).toEqual(['b']);
  });

  it('turns each task into project/up spec: cwd and env_file from the file, durations in ms, sizes in bytes', () => {
    mkdirSync(join(dir, 'api'));
    write('PORT=8080\nMODE=file\n', '.env');
    const loaded = loadProjectFile(
      write(`[tasks.db]
command = "postgres"
ready = { command = "pg_isready", timeout = "1m30s" }

[tasks.api]
command = "npm start"
cwd = "api"
env_file = ".env"
env = { MODE = "toml" }
depends_on = { db = "ready", migrate = "succeeded" }
timeout = "2h"
ttl = 90
output_cap = "10M"
tty = true
restart = { policy = "on-failure", max_restarts = 3, window = "30s", backoff = "250ms" }

[tasks.migrate]
command = "npm run migrate"

[tasks.web]
command = "npm run dev"
depends_on = ["api"]
restart = "always"
`),
    );
    expect(loaded.project).toBe(dir);
    expect(loaded.tasks.db).toMatchObject({
      cwd: dir,
      ready: { command: 'pg_isready', timeoutMs: 90_000 },
      dependsOn: {},
    });
    expect(loaded.tasks.api).toMatchObject({
      command: 'npm start',
      cwd: join(dir, 'api'),
      env: { PORT: '8080', MODE: 'toml' },
      dependsOn: { db: 'ready', migrate: 'succeeded' },
      timeoutMs: 7_200_000,
      ttlMs: 90_000,
      outputCapBytes: 10 * 1024 * 1024,
      tty: true,
    });
    expect(loaded.tasks.web?.dependsOn).toEqual({ api: 'ready' });
    expect(loaded.tasks.api?.restart).toEqual({
      policy: 'on-failure',
      maxRestarts: 3,
      windowMs: 30_000,
      backoffMs: 250,
    });
    expect(loaded.tasks.web?.restart).toEqual({ policy: 'always' });
  });

  it.each([
    ['a missing command', '[tasks.a]\ncwd = "."\n', /tend\.toml:1: tasks\.a\.command: /],
    [
      'a bad duration',
      '[tasks.a]\ncommand = "x"\ntimeout = "soon"\n',
      /:3: tasks\.a\.timeout: must be a duration/,
    ],
    [
      'a bad restart policy',
      '[tasks.a]\ncommand = "x"\nrestart = "sometimes"\n',
      /:3: tasks\.a\.restart: must be "no", "on-failure" or "always"/,
    ],
    [
      'a missing cwd',
      '[tasks.a]\ncommand = "x"\ncwd = "nowhere"\n',
      /:3: tasks\.a\.cwd: .*nowhere is not a directory/,
    ],
    [
      'a missing env_file',
      '[tasks.a]\ncommand = "x"\nenv_file = ".env.local"\n',
      /:3: tasks\.a\.env_file: cannot read/,
    ],
    ['a top-level key', 'name = "shop"\n[tasks.a]\ncommand = "x"\n', /:1: name: unknown key/],
    ['no tasks', '[tasks]\n', /:1: tasks: must declare at least one task/],
    ['a bad task name', '[tasks."my web"]\ncommand = "x"\n', /tasks\.my web/],
  ])('refuses %s with file, line and key', (_what, text, message) => {
    const file = write(text);
    expect(() => loadProjectFile(file)).toThrow(ProjectFileError);
    expect(() => loadProjectFile(file)).toThrow(message);
  });

  it('says where no tend.toml was found', () => {
    expect(() => locateProjectFile(dir)).toThrow(
      /no tend\.toml in \/tmp\/tend-toml-\w+ or any directory above it/,
    );
  });

  it('finds the line of a key under its table header, in an inline table, or in a sub-table', () => {
    const text =
      '[tasks.a]\ncommand = "x"\nready = { port = 1 }\n\n[tasks.b]\ncommand = "y"\n[tasks.b.ready]\nhttp = "z"\n';
    expect(lineOf(text, ['tasks', 'a', 'ready', 'port'])).toBe(3);
    expect(lineOf(text, ['tasks', 'b', 'command'])).toBe(6);
    expect(lineOf(text, ['tasks', 'b', 'ready', 'http'])).toBe(8);
    expect(lineOf(text, ['tasks', 'b'])).toBe(5);
  });
});
