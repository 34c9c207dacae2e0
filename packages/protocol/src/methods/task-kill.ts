import * as z from 'zod';
import { lazySchema } from '../lazy-schema.js';
import { defineRequest } from '../method.js';
import { REQUEST_NAMES } from '../method-names.js';
import { DEFAULT_KILL_GRACE_MS, MAX_KILL_GRACE_MS } from '../limits.js';
import { SignalNameSchema, TaskSchema } from '../task.js';
import { TaskRefSchema } from './task-get.js';

/** What a stop did (task/kill with a terminating signal and `wait`). */
export const StopProofSchema = lazySchema(() =>
  z.object({
    signalled: z
      .number()
      .int()
      .describe('processes the stop signalled (distinct pids over its rounds: the signal, SIGCONT, SIGKILL)'),
    remaining: z
      .number()
      .int()
      .describe(
        'processes of the task still alive after the task ended and got SIGKILL (0: nothing is left); still counted when the end took longer than graceMs + 5000 ms',
      ),
  }),
);

export const TaskKill = defineRequest({
  method: REQUEST_NAMES.TaskKill,
  summary:
    "Signals the task's whole process group. With a terminating signal (SIGTERM, the default, SIGINT, SIGHUP, " +
    'SIGQUIT, SIGKILL) the intent is recorded first (state stopping, reason "killed by user"), SIGCONT follows the ' +
    'signal (so that a stopped task can handle it), and SIGKILL follows after graceMs if the task is still alive; ' +
    'the task ends `killed`, and with wait (the default) the answer comes once it has ended, with `stop` saying how ' +
    'many processes were signalled and how many remain. On an ended task whose leftovers still run, a terminating ' +
    'signal ends the leftovers the same way. Any other signal is only delivered.',
  params: () =>
    z
      .object({
        id: TaskRefSchema(),
        signal: SignalNameSchema().default('SIGTERM'),
        graceMs: z.number().int().min(0).max(MAX_KILL_GRACE_MS).default(DEFAULT_KILL_GRACE_MS),
        wait: z
          .boolean()
          .default(true)
          .describe(
            'with a terminating signal: answer once the task has ended and its processes are gone (at most graceMs + 5000 ms), ' +
              'with `stop`; false: answer at once, as soon as the signal is sent',
          ),
      })
      .strict(),
  result: () =>
    TaskSchema().extend({
      stop: StopProofSchema()
        .optional()
        .describe(
          'with a terminating signal and wait: what the stop did (absent for other signals and with wait false)',
        ),
    }),
  errors: ['task_not_found', 'ambiguous_id', 'not_running'],
});

/** What a stop did: processes signalled, and processes left after the end (see {@link StopProofSchema}). */
export type StopProof = z.infer<ReturnType<typeof StopProofSchema>>;
