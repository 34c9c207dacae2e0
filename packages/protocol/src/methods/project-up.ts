import * as z from 'zod';
import { lazySchema } from '../lazy-schema.js';
import { AbsolutePathSchema } from '../field-limits.js';
import { MAX_PATH_BYTES, MAX_TIMEOUT_MS } from '../limits.js';
import { defineRequest } from '../method.js';
import { REQUEST_NAMES } from '../method-names.js';
import { TaskSchema } from '../task.js';
import { TaskNameSchema, TaskRunFields } from './task-run.js';
import { UntilFields } from './task-wait.js';

/** What a dependant needs of a dependency before it starts (tend.toml `depends_on`). */
export const DEPENDENCY_CONDITIONS = ['succeeded', 'ready', 'started'] as const;
export type DependencyCondition = (typeof DEPENDENCY_CONDITIONS)[number];

export const DependencyConditionSchema = lazySchema(() =>
  z.enum(DEPENDENCY_CONDITIONS, {
    error:
      'must be "succeeded" (ended with exit status 0: a one-shot setup task), "ready" (its readiness check ' +
      'passed) or "started" (its process runs)',
  }),
);

/** Default of a readiness check's `timeoutMs`, in ms. */
export const DEFAULT_READY_TIMEOUT_MS = 60_000;

/** A task's readiness check: exactly one of output, port, http and command. */
export const ReadyCheckSchema = lazySchema(() =>
  z
    .object({
      // The output, port and http rules of task/wait's until (one rule for both: pattern size, URL form).
      output: UntilFields().shape.output.describe('a line of output matches this regular expression (RE2)'),
      port: UntilFields().shape.port.describe('a process of the task listens on this TCP port'),
      http: UntilFields().shape.http.describe('this URL answers (any HTTP status)'),
      command: z
        .string()
        .min(1)
        .optional()
        .describe("this shell command exits 0, run in the task's cwd with its environment every 100 ms"),
      timeoutMs: z
        .number()
        .int()
        .min(0)
        .max(MAX_TIMEOUT_MS)
        .optional()
        .describe(
          `give up (the task counts as failed to get ready) after this many ms; default ${DEFAULT_READY_TIMEOUT_MS}`,
        ),
    })
    .strict()
    .refine(
      (r) => [r.output, r.port, r.http, r.command].filter((v) => v !== undefined).length === 1,
      'give exactly one of output, port, http and command',
    ),
);
export type ReadyCheck = z.infer<ReturnType<typeof ReadyCheckSchema>>;

/**
 * One task of a project, as project/up receives it: task/run's fields (without name, project, reuse and
 * the session-bound capturedEnv) plus its dependencies and readiness check.
 */
export const ProjectTaskSpecSchema = lazySchema(() =>
  TaskRunFields()
    .omit({ name: true, project: true, reuse: true })
    .extend({
      dependsOn: z
        .record(TaskNameSchema(), DependencyConditionSchema())
        .default({})
        .describe('tasks of the same project this one waits for, each with the condition it needs'),
      ready: ReadyCheckSchema()
        .optional()
        .describe('when the task counts as ready; absent: once it has started'),
    })
    .strict(),
);
export type ProjectTaskSpec = z.infer<ReturnType<typeof ProjectTaskSpecSchema>>;

/** A state a task goes through during project/up (project/didProgress `state`, ProjectUp result `state`). */
export const PROJECT_TASK_STATES = [
  'waiting',
  'started',
  'reused',
  'ready',
  'succeeded',
  'failed',
  'timed_out',
  'skipped',
] as const;
export type ProjectTaskState = (typeof PROJECT_TASK_STATES)[number];

/** The outcome of one task of a project/up. */
export const ProjectTaskOutcomeSchema = lazySchema(() =>
  z.object({
    name: z.string(),
    state: z
      .enum(PROJECT_TASK_STATES)
      .describe(
        '"ready" (or "succeeded", for a one-shot task a dependant needed succeeded), "failed" (ended before it was ' +
          'ready, or could not start), "timed_out" (its readiness check timed out), "skipped" (a dependency failed, ' +
          'so it was not started)',
      ),
    task: TaskSchema().optional().describe('the task, once started or reused'),
    reused: z.boolean().optional().describe('true when an existing task served (nothing new started)'),
    detail: z.string().optional().describe('why it failed, timed out or was skipped'),
    lastLines: z.string().optional().describe('the last lines of its output, when it failed or timed out'),
  }),
);

export const ProjectUp = defineRequest({
  method: REQUEST_NAMES.ProjectUp,
  summary:
    "Starts the project's tasks named in `names` (default: all of `tasks`) and the tasks they depend on, in " +
    'dependency order: each starts once its dependencies meet their conditions, tasks without a dependency ' +
    'between them start at once, and each is then watched until its readiness check passes. A live task of the ' +
    'project with the same name, command and cwd is reused, and so is a one-shot task that succeeded while a ' +
    'task depending on it still runs; two project/up at once share their tasks (never duplicates). Answers ' +
    'when every task has settled; progress goes to the caller as project/didProgress notifications. A cycle, ' +
    'an unknown dependency or an unknown name is refused before anything starts.',
  params: () =>
    z
      .object({
        project: AbsolutePathSchema().describe("the project's root: the absolute directory of its tend.toml"),
        file: z.string().max(MAX_PATH_BYTES).optional().describe('the project file, for messages'),
        tasks: z
          .record(TaskNameSchema(), ProjectTaskSpecSchema())
          .refine((tasks) => Object.keys(tasks).length > 0, 'must declare at least one task')
          .describe('every task the project declares, by name'),
        names: z.array(TaskNameSchema()).optional().describe('the tasks to bring up; default: all'),
      })
      .strict(),
  result: () =>
    z.object({
      project: z.string(),
      ok: z.boolean().describe('true when every requested task is ready'),
      tasks: z.array(ProjectTaskOutcomeSchema()).describe('every task brought up, in dependency order'),
    }),
  errors: [],
});
