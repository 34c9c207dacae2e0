import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { home, runTask, useTendHome } from './cli-setup.js';
import { CLI_BIN, daemonPid, tend } from './helpers.js';
import { pollUntil } from './support/poll.mjs';

// `tend top` in a real terminal: tmux (installed by .ci/run when missing) runs it against a real daemon;
// send-keys types, capture-pane reads the screen.

useTendHome();

/** A tmux server of this test's own (its socket in the test's TEND_HOME), so no user session is touched. */
class Tmux {
  readonly socket: string;
  constructor(dir: string) {
    this.socket = join(dir, 'tmux.sock');
  }
  run(args: string[]): string {
    return execFileSync('tmux', ['-S', this.socket, ...args], { encoding: 'utf8' });
  }
  /** Starts a shell in an 80×24 (or given) window. */
  start(columns = 80, rows = 24): void {
    const env = `TEND_HOME=${home} NO_COLOR=1 PS1='$ '`;
    this.run([
      'new-session',
      '-d',
      '-x',
      String(columns),
      '-y',
      String(rows),
      `env -i PATH=${process.env.PATH} HOME=${home} TERM=xterm-256color ${env} bash --norc --noprofile`,
    ]);
  }
  keys(...keys: string[]): void {
    this.run(['send-keys', '-t', '0', ...keys]);
  }
  screen(): string {
    return this.run(['capture-pane', '-p', '-t', '0']);
  }
  /** Waits until the screen matches `pattern`, returning it. */
  async until(what: string, pattern: RegExp, timeoutMs = 30_000): Promise<string> {
    return pollUntil(
      `${what} (screen: ${JSON.stringify(this.screen())})`,
      () => {
        const screen = this.screen();
        return pattern.test(screen) ? screen : undefined;
      },
      { timeoutMs },
    );
  }
  kill(): void {
    try {
      this.run(['kill-server']);
    } catch {
      // Already gone.
    }
  }
}

let tmux: Tmux | undefined;
afterEach(() => {
  tmux?.kill();
  tmux = undefined;
});

const TOP = `node ${CLI_BIN} top`;

describe('tend top in tmux', () => {
  it('lists tasks live, shows an exit code, tails new output within 2 s, stops with x + y, and q leaves the screen as it was', async () => {
    expect(existsSync('/usr/bin/tmux') || existsSync('/usr/local/bin/tmux')).toBe(true);
    const ticker = await runTask([
      '--name',
      'ticker',
      '--',
      'i=0; while true; do i=$((i+1)); echo "tick $i"; sleep 0.3; done',
    ]);
    const gate = join(home, 'gate');
    const ender = await runTask([
      '--name',
      'ender',
      '--',
      `while [ ! -e ${gate} ]; do sleep 0.05; done; exit 7`,
    ]);
    const victim = await runTask(['--name', 'victim', '--', 'sleep 600']);
    tmux = new Tmux(home);
    tmux.start();
    tmux.keys('clear; echo before-top', 'Enter');
    const before = await tmux.until('the shell', /before-top\n\$/);
    tmux.keys(TOP, 'Enter');
    // Top's first screen: Ink and its layout engine (WebAssembly) load in ~1.5 s of CPU, much longer on a busy machine.
    const list = await tmux.until(
      'the three tasks',
      new RegExp(`(?=[\\s\\S]*${ticker}\\s+running)(?=[\\s\\S]*${ender}\\s+running)`),
      90_000,
    );
    expect(list).toContain(victim);
    expect(list).toMatch(/tend top · daemon pid \d+/);
    for (const line of list.split('\n')) expect(line.length).toBeLessThanOrEqual(80);

    // One ends: it stays listed (unread) with its exit code.
    writeFileSync(gate, '');
    await tmux.until('ender to show exit 7', new RegExp(`${ender}•\\s+failed\\s+ender\\s+\\S+\\s+7\\b`));

    // The detail of the ticker shows new output within 2 s.
    const started = Date.now();
    tmux.keys('/');
    tmux.keys('-l', 'ticker');
    tmux.keys('Enter');
    await tmux.until('only the ticker', new RegExp(`search="ticker"[\\s\\S]*${ticker}\\s+running`));
    tmux.keys('Enter');
    const detail = await tmux.until('the ticker detail', /ticker\)\s+running[\s\S]*tick \d+/);
    const last = Number(
      /tick (\d+)\s*\n(?![\s\S]*tick \d)/.exec(detail)?.[1] ?? /.*tick (\d+)/s.exec(detail)?.[1],
    );
    const newer = await pollUntil(
      'a newer tick on screen',
      () => {
        const ticks = [...tmux!.screen().matchAll(/tick (\d+)/g)].map((m) => Number(m[1]));
        return Math.max(...ticks) > last ? Date.now() : undefined;
      },
      { timeoutMs: 2000 },
    );
    expect(newer - started).toBeGreaterThan(0);
    tmux.keys('Escape');
    await tmux.until('the list again', /ID\s+STATE\s+NAME/);
    tmux.keys('Escape');
    await tmux.until('the search cleared', new RegExp(victim));

    // x + y stops the victim (select it with the search).
    tmux.keys('/');
    tmux.keys('-l', 'victim');
    tmux.keys('Enter');
    await tmux.until('only the victim', new RegExp(`${victim}\\s+running`));
    tmux.keys('x');
    await tmux.until('the confirmation', new RegExp(`stop ${victim} \\(victim\\)\\? y/N`));
    tmux.keys('y');
    const stopped = await pollUntil('the victim to end', async () => {
      const ps = await tend(home, ['ps', '-a', '--format', '{{.ID}} {{.State}}', '--filter', `id=${victim}`]);
      return /killed/.test(ps.stdout) ? ps.stdout : undefined;
    });
    expect(stopped).toContain(`${victim} killed`);

    tmux.keys('Escape', 'q');
    const after = await tmux.until('the shell back', /^\$\s*$/m);
    expect(after).toContain('before-top');
    // The screen is the one before top, with the command typed and the next prompt: nothing of top's is left.
    const nonEmpty = (screen: string) => screen.split('\n').filter((l) => l.trim() !== '');
    expect(nonEmpty(before)).toEqual(['before-top', '$']);
    expect(nonEmpty(after)).toEqual(['before-top', `$ ${TOP}`, '$']);
    expect(after).not.toContain('tend top ·');
  }, 240_000);

  it('survives tend daemon restart and a kill -9 of the daemon, and says it reconnected', async () => {
    await runTask(['--name', 'keeper', '--', 'sleep 600']);
    tmux = new Tmux(home);
    tmux.start(120, 30);
    tmux.keys(TOP, 'Enter');
    await tmux.until('the task', /keeper/, 90_000);
    const first = daemonPid(home);
    expect((await tend(home, ['daemon', 'restart'])).code).toBe(0);
    const second = await pollUntil('a new daemon', () => {
      const pid = daemonPid(home);
      return pid !== undefined && pid !== first ? pid : undefined;
    });
    await tmux.until(
      'the reconnect after the restart',
      new RegExp(`reconnected to the tend daemon \\(pid ${second}\\)`),
    );
    process.kill(second, 'SIGKILL');
    const third = await pollUntil(
      'a daemon started by top after the crash',
      () => {
        const pid = daemonPid(home);
        return pid !== undefined && pid !== second ? pid : undefined;
      },
      { timeoutMs: 20_000 },
    );
    const screen = await tmux.until(
      'the reconnect after the kill -9',
      new RegExp(`reconnected to the tend daemon \\(pid ${third}\\)`),
    );
    expect(screen).toMatch(/running\s+keeper/);
    // Still live: a new task appears.
    await runTask(['--name', 'newcomer', '--', 'sleep 600']);
    await tmux.until('the new task', /newcomer/);
    tmux.keys('q');
    await tmux.until('the shell back', /^\$\s*$/m);
  }, 240_000);
});

describe('tend ps scripting', () => {
  it('-q, --filter and --format on a dozen tasks of mixed states', async () => {
    const ids: Record<string, string[]> = { ok: [], bad: [], live: [] };
    for (let i = 0; i < 4; i++) ids.ok!.push(await runTask(['--name', `ok${i}`, '--', 'exit 0']));
    for (let i = 0; i < 4; i++) ids.bad!.push(await runTask(['--name', `bad${i}`, '--', `exit ${i + 1}`]));
    for (let i = 0; i < 4; i++) ids.live!.push(await runTask(['--name', `live${i}`, '--', 'sleep 600']));
    await pollUntil('the eight short tasks to end', async () => {
      const ps = await tend(home, ['ps', '-aq', '--filter', 'state=succeeded', '--filter', 'state=failed']);
      return ps.stdout.trim().split('\n').length === 8 ? true : undefined;
    });
    const lines = async (args: string[]) => {
      const result = await tend(home, ['ps', ...args]);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      return result.stdout.split('\n').filter(Boolean);
    };
    expect((await lines(['-q'])).sort()).toEqual([...ids.live!].sort());
    expect((await lines(['-aq'])).length).toBe(12);
    expect((await lines(['-q', '--filter', 'state=failed'])).sort()).toEqual([...ids.bad!].sort());
    expect(await lines(['-aq', '--filter', 'exit=3'])).toEqual([ids.bad![2]]);
    expect((await lines(['-aq', '--filter', 'name=ok', '--filter', 'exit=0'])).sort()).toEqual(
      [...ids.ok!].sort(),
    );
    expect((await lines(['-aq', '--filter', 'name=live', '--filter', 'name=ok1'])).length).toBe(5);
    expect(await lines(['-aq', '--filter', 'project=/nowhere'])).toEqual([]);
    const formatted = await lines([
      '-a',
      '--filter',
      'state=failed',
      '--format',
      '{{.Name}}\\t{{.State}}\\t{{.Exit}}',
    ]);
    expect(formatted.sort()).toEqual([
      'bad0\tfailed\t1',
      'bad1\tfailed\t2',
      'bad2\tfailed\t3',
      'bad3\tfailed\t4',
    ]);
    const json = (await lines(['--format', 'json'])).map(
      (l) => JSON.parse(l) as { id: string; state: string },
    );
    expect(json.map((t) => t.state)).toEqual(['running', 'running', 'running', 'running']);
    const long = await lines(['--no-trunc', '--filter', `id=${ids.live![0]}`]);
    expect(long[1]).toMatch(/sleep 600$/);
    // No colour escapes when stdout is no terminal.
    expect((await tend(home, ['ps', '-a'])).stdout).not.toContain('\u001b[');
    const bad = await tend(home, ['ps', '--filter', 'colour=red']);
    expect(bad.code).toBe(125);
    expect(bad.stderr).toContain('unknown key colour');
  }, 300_000);
});

describe('tend completion', () => {
  it('loads in bash and completes commands, options and a live task name', async () => {
    await runTask(['--name', 'webserver', '--', 'sleep 600']);
    const script = (await tend(home, ['completion', 'bash'])).stdout;
    const file = join(home, 'tend.bash');
    writeFileSync(file, script);
    const bin = join(home, 'bin');
    execFileSync('mkdir', ['-p', bin]);
    writeFileSync(join(bin, 'tend'), `#!/bin/sh\nexec ${process.execPath} ${CLI_BIN} "$@"\n`, {
      mode: 0o755,
    });
    const complete = (line: string) => {
      const words = line.split(' ');
      const script = `source ${file}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _tend; printf '%s\\n' "\${COMPREPLY[@]}"`;
      return execFileSync('bash', ['--norc', '--noprofile', '-c', script], {
        encoding: 'utf8',
        env: { ...process.env, TEND_HOME: home, PATH: `${bin}:${process.env.PATH}` },
      })
        .split('\n')
        .filter(Boolean);
    };
    expect(complete('tend p')).toEqual(expect.arrayContaining(['ps', 'prune']));
    expect(complete('tend ps --fi')).toEqual(['--filter']);
    expect(complete('tend daemon re')).toEqual(['restart']);
    expect(complete('tend logs web')).toEqual(['webserver']);
    expect(complete('tend stop --time 5 web')).toEqual(['webserver']);
    // Without a daemon it completes no task, and starts none (its task stopped with it: the home's cleanup
    // finds tasks through the daemon).
    await tend(home, ['daemon', 'stop', '--kill-tasks']);
    expect(complete('tend logs web')).toEqual([]);
    expect(daemonPid(home)).toBeUndefined();
  }, 120_000);

  it('the zsh and fish scripts load where those shells are installed', async () => {
    for (const shell of ['zsh', 'fish'] as const) {
      const script = (await tend(home, ['completion', shell])).stdout;
      expect(script).toContain('__complete tasks');
      let present = true;
      try {
        execFileSync('sh', ['-c', `command -v ${shell}`]);
      } catch {
        present = false;
      }
      if (!present) continue;
      const file = join(home, `tend.${shell}`);
      writeFileSync(file, script);
      const load = shell === 'zsh' ? `autoload -U compinit; compinit -u; source ${file}` : `source ${file}`;
      execFileSync(shell, ['-c', load], { encoding: 'utf8' });
    }
  });
});
