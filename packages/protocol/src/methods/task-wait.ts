import * as z from 'zod';
import { lazySchema } from '../lazy-schema.js';
import { defineRequest } from '../method.js';
import { REQUEST_NAMES } from '../method-names.js';
import { TaskSchema } from '../task.js';
import { TaskRefSchema } from './task-get.js';
import { GrepSchema } from './task-output.js';

/**
 * The conditions `task/wait` can wait for, each optional and unchecked as a set: project/up's readiness
 * checks (methods/project-up.ts) use the same output, port and http rules.
 */
export const UntilFields = lazySchema(() =>
  z
    .object({
      exit: z.literal(true).optional().describe('the task ends (the default)'),
      output: GrepSchema()
        .shape.pattern.optional()
        .describe('a line of output matches this RE2 regular expression'),
      port: z
        .number()
        .int()
        .min(1)
        .max(65535)
        .optional()
        .describe("the task's process group listens on this TCP port"),
      http: z
        .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
        .max(2048, 'must be at most 2048 characters')
        .optional()
        .describe('this URL answers an HTTP request (any status)'),
    })
    .strict(),
);

/** What `task/wait` waits for; exactly one key. */
export const UntilSchema = lazySchema(() =>
  UntilFields()
    .refine(
      (u) => Object.values(u).filter((v) => v !== undefined).length === 1,
      'give exactly one of exit, output, port or http',
    )
    .meta({
      oneOf: [
        { required: ['exit'] },
        { required: ['output'] },
        { required: ['port'] },
        { required: ['http'] },
      ],
    }),
);

export const TaskWait = defineRequest({
  method: REQUEST_NAMES.TaskWait,
  summary:
    'Waits until the task ends (or the `until` condition holds) or timeoutMs passes, and says which in ' +
    '`outcome`. `until.output` looks at the whole log, so a line printed before the wait counts, and returns the ' +
    "matching line; `until.port` checks the task's own process group listening on the port; `until.http` " +
    'requests the URL every 100 ms. If the task ends first, the outcome is `exited`. Without timeoutMs it waits ' +
    'as long as the task runs. A task that has already ended answers at once.',
  params: () =>
    z
      .object({
        id: TaskRefSchema(),
        until: UntilSchema().optional(),
        timeoutMs: z
          .number()
          .int()
          .min(0, 'must be 0 or more ms')
          .optional()
          .describe('longest wait, in ms; 0 only looks'),
      })
      .strict(),
  result: () =>
    z.object({
      outcome: z
        .enum(['exited', 'timeout', 'output', 'port', 'http'])
        .describe(
          'exited: the task ended; timeout: timeoutMs passed first; output/port/http: that condition held',
        ),
      match: z.string().optional().describe('with outcome output: the matching line'),
      task: TaskSchema(),
    }),
  errors: ['task_not_found', 'ambiguous_id'],
});
