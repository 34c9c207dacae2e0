import { resolve } from 'node:path';
import { attach } from './attach.js';
import { joinCommand } from './command-line.js';
import { taskEnvironment } from './task-env.js';
import { targetHost, withClient, type GlobalOptions } from './connect.js';
import { CliError } from './errors.js';
import { exitCodeOf } from './exit-status.js';
import { type LifetimeOptions, lifetimeParams } from './lifetime-options.js';
import { type RestartOptions, restartParams } from './restart-options.js';
import { printJson, printLine, warn } from './output.js';

/** Options of `tend run`, as commander parsed them. */
export interface RunOptions extends GlobalOptions, LifetimeOptions, RestartOptions {
  name?: string;
  /** Working directory, relative to the current one; default the current one. */
  cwd?: string;
  /** From repeated `-e KEY=VALUE` / `-e KEY` (value taken from this process's environment). */
  env?: Record<string, string>;
  /** `--env-file` paths, in order; their variables go under `env`. */
  envFile?: string[];
  /** `--env-from`: `caller`/`local` (default for the local daemon) or `daemon` (default for a remote host). */
  envFrom?: string;
  /** Task deadline in ms (already parsed from `--timeout`). */
  timeout?: number;
  /** `--memory-max`, in bytes (already parsed): memory.max of the task's cgroup. */
  memoryMax?: number;
  /** `--pids-max`: pids.max of the task's cgroup. */
  pidsMax?: number;
  wait?: boolean;
  /** `-a/--attach`: as `wait` (stream the output, exit with the task's code). */
  attach?: boolean;
  /** `--sig-proxy` (with --wait/-a): forward the signals the CLI gets to the task instead of detaching. */
  sigProxy?: boolean;
  /** With `name`: return the live task of that name instead of starting another. */
  reuse?: boolean;
  /** Run the command under a pseudo-terminal (`--tty`). */
  tty?: boolean;
  /** `--kill-leftovers`: SIGKILL what the command left running when it ends. */
  killLeftovers?: boolean;
  /** `--description`: what the task is for (task/run description). */
  description?: string;
  /** false with `--no-notify` (task/run notify false); commander's default true otherwise. */
  notify?: boolean;
  /** `--trigger`: its end may continue a stopped agent (task/run trigger). */
  trigger?: boolean;
}

/**
 * `tend run [options] -- <command…>`: starts the command as a background task
 * (`task/run`) and prints its id alone on stdout, or the task as JSON. With
 * `--wait` or `-a/--attach`, attaches instead (see {@link attach}): streams the
 * task's output to stdout as it is written (the id is not printed; with `--json`
 * nothing is streamed and the ended task is printed as JSON), Ctrl-C detaches
 * (or is forwarded to the task with `--sig-proxy`), and returns the task's exit
 * code (128 + N for signal N). With `--reuse` (and `--name`), a live task
 * of that name running the same command in the same cwd is used instead of
 * starting a second one: its id is printed and stderr says it was reused
 * (`reused: true` in the JSON); a live task of that name with another command
 * or cwd is the daemon's name_in_use error (exit 125). With `--tty`, the
 * command runs under a pseudo-terminal (`tty: true`). `--lifetime session` and `--ttl` give task/run's
 * `lifetime` and `ttlMs` (see lifetime-options.ts). `--memory-max` and `--pids-max` cap the task's cgroup
 * (memoryMaxBytes, pidsMax); a daemon that cannot enforce them refuses the task (limit_unavailable, exit 125).
 * `--restart on-failure|always` with `--max-restarts`, `--restart-window` and `--restart-backoff` give task/run's
 * `restart` (see restart-options.ts); an attached run follows every run's output until the task has ended.
 * With `--kill-leftovers`, processes the command
 * left running are SIGKILLed when it ends (task/run `killLeftovers`); without it, an attached run whose
 * command left processes running says so on stderr. `--description`, `--no-notify` and `--trigger` give
 * task/run's `description`, `notify: false` and `trigger: true` (what agents' hooks do with its end).
 * @returns the process exit code.
 * @throws CliError for a blank command, --lifetime session without a session, --reuse without --name, --sig-proxy without --wait/-a, a name a live
 *   task has (reason name_in_use, naming tend stop and --reuse), or a task
 *   without exit status; the client's errors (invalid_cwd, name_in_use with
 *   --reuse, invalid_name, invalid_params…) as they come.
 */
export async function runTask(words: string[], options: RunOptions): Promise<number> {
  if (options.reuse && options.name === undefined)
    throw new CliError('--reuse needs --name: it reuses the live task of that name');
  const attached = options.wait === true || options.attach === true;
  if (options.sigProxy && !attached)
    throw new CliError('--sig-proxy forwards signals to an attached run: add -a (or --wait)');
  const lifetime = lifetimeParams(options, options.session || process.env.TEND_SESSION || undefined);
  const restart = restartParams(options);
  const command = joinCommand(words);
  // A remote host gets the remote daemon's environment unless --env-from local says otherwise.
  const environment = taskEnvironment(command, options, targetHost(options) !== undefined);
  return withClient(options, async (client) => {
    const task = await client
      .run({
        command,
        cwd: resolve(options.cwd ?? '.'),
        ...environment,
        ...(options.name !== undefined ? { name: options.name } : {}),
        ...(options.timeout !== undefined ? { timeoutMs: options.timeout } : {}),
        ...(options.memoryMax !== undefined ? { memoryMaxBytes: options.memoryMax } : {}),
        ...(options.pidsMax !== undefined ? { pidsMax: options.pidsMax } : {}),
        ...(options.reuse ? { reuse: true } : {}),
        ...(options.tty ? { tty: true } : {}),
        ...lifetime,
        ...(options.killLeftovers ? { killLeftovers: true } : {}),
        ...(options.description !== undefined ? { description: options.description } : {}),
        ...(options.notify === false ? { notify: false } : {}),
        ...(options.trigger ? { trigger: true } : {}),
        ...restart,
      })
      .catch((err: unknown) => {
        if ((err as { reason?: unknown }).reason !== 'name_in_use' || options.reuse) throw err;
        const name = options.name ?? '';
        throw new CliError(
          `a live task is already named "${name}": stop it first (tend stop ${name}), pick another --name, ` +
            'or add --reuse to use that task when it runs the same command in the same directory',
          { cause: err, reason: 'name_in_use', data: { name } },
        );
      });
    if (task.reused) warn(`reusing live task ${task.id} (${task.name ?? options.name})`);
    if (!attached) {
      await (options.json ? printJson(task) : printLine(task.id));
      return 0;
    }
    // Attached (--wait, -a): the output streams to stdout (not with --json), signals detach or are forwarded.
    const ended = await attach(client, task, { stream: !options.json, sigProxy: options.sigProxy === true });
    const code = exitCodeOf(ended); // before printing: a lost task is one JSON error object
    const left = ended.leftovers;
    if (left?.running && !options.json)
      warn(
        `task ${ended.id} ended, but ${left.count} process${left.count === 1 ? '' : 'es'} it started still run${left.count === 1 ? 's' : ''} (tend stop ${ended.id} ends ${left.count === 1 ? 'it' : 'them'})`,
      );
    if (options.json) await printJson(ended);
    return code;
  });
}
