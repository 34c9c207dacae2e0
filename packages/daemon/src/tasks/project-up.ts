import {
  type DependencyCondition,
  isTerminal,
  type ParamsOf,
  type ParsedParamsOf,
  type ProjectDidProgress,
  type ProjectTaskSpec,
  type ProjectTaskState,
  ProjectUp,
  type ResultOf,
} from '@tend/protocol';
import type { TaskRow } from '../store/task-store.js';
import { lastLines } from './last-lines.js';
import { type DependencyGraph, upOrder, withDependants } from './project-graph.js';
import { waitProjectReady } from './project-ready.js';
import type { TaskSupervisor } from './supervisor.js';
import { toTask } from './task-view.js';

type UpParams = ParsedParamsOf<typeof ProjectUp>;
type Outcome = ResultOf<typeof ProjectUp>['tasks'][number];
/** Sends one project/didProgress to the caller. */
export type ProgressSink = (params: ParamsOf<typeof ProjectDidProgress>) => void;

/** Why a project task did not get where a dependant (or the caller) needed it. */
class NotReady extends Error {
  constructor(
    readonly state: 'failed' | 'timed_out' | 'skipped',
    message: string,
    readonly row?: TaskRow,
  ) {
    super(message);
  }
}

/** One task of a project/up in flight: where it is, shared by every project/up asking for it at once. */
interface Entry {
  command: string;
  cwd: string;
  /** The task once running (or reused); rejects with {@link NotReady}. */
  started: Promise<{ row: TaskRow; reused: boolean }>;
  /** The task once its readiness check passed. */
  ready: Promise<TaskRow>;
  /** The task once it ended succeeded (made when a dependant needs it). */
  succeeded(): Promise<TaskRow>;
}

/**
 * project/up (docs/protocol.md): starts a project's tasks in dependency order and watches their readiness,
 * in the daemon, so that callers only wait for the answer. Tasks already in flight for another project/up of
 * the same project (same name, command and cwd) are joined, not started again.
 */
export class ProjectRunner {
  private readonly inFlight = new Map<string, Entry>();

  constructor(private readonly supervisor: TaskSupervisor) {}

  /**
   * Brings up `params.names` (default: all) and their dependencies; see {@link ProjectUp}.
   * @throws InvalidParamsError for an unknown name or dependency, or a cycle (nothing started).
   */
  async up(
    params: UpParams,
    session: string | undefined,
    notify: ProgressSink,
  ): Promise<ResultOf<typeof ProjectUp>> {
    const graph: DependencyGraph = Object.fromEntries(
      Object.entries(params.tasks).map(([name, spec]) => [name, spec.dependsOn]),
    );
    const order = upOrder(ProjectUp.method, graph, params.names, params.file);
    const needsSucceeded = new Set(
      order.flatMap((name) =>
        Object.entries(graph[name] ?? {})
          .filter(([, condition]) => condition === 'succeeded')
          .map(([dep]) => dep),
      ),
    );
    const entries = new Map<string, Entry>();
    const created: string[] = [];
    for (const name of order) {
      const key = `${params.project}\0${name}`;
      const spec = params.tasks[name] as ProjectTaskSpec;
      const existing = this.inFlight.get(key);
      if (existing && existing.command === spec.command && existing.cwd === spec.cwd) {
        entries.set(name, existing);
        continue;
      }
      const entry = this.entry(params.project, name, spec, graph, entries, session);
      this.inFlight.set(key, entry);
      created.push(key);
      entries.set(name, entry);
    }
    const project = params.project;
    const outcomes = await Promise.all(
      order.map(async (name): Promise<Outcome> => {
        const entry = entries.get(name) as Entry;
        const deps = Object.entries(graph[name] ?? {});
        if (deps.length > 0)
          notify({ project, name, state: 'waiting', detail: deps.map(([d, c]) => `${d} ${c}`).join(', ') });
        let reused = false;
        try {
          const started = await entry.started;
          reused = started.reused;
          notify({ project, name, state: reused ? 'reused' : 'started', task: this.taskOf(started.row) });
          const target: ProjectTaskState = needsSucceeded.has(name) ? 'succeeded' : 'ready';
          const row = await (target === 'succeeded' ? entry.succeeded() : entry.ready);
          const task = this.taskOf(row);
          notify({ project, name, state: target, task });
          return { name, state: target, task, ...(reused ? { reused } : {}) };
        } catch (error) {
          const failure =
            error instanceof NotReady
              ? error
              : new NotReady('failed', (error as Error).message ?? String(error));
          const task = failure.row ? this.taskOf(failure.row) : undefined;
          const tail =
            failure.row && failure.state !== 'skipped'
              ? lastLines(failure.row.logPath, failure.row.droppedBytes)
              : '';
          notify({ project, name, state: failure.state, ...(task ? { task } : {}), detail: failure.message });
          return {
            name,
            state: failure.state,
            ...(task ? { task } : {}),
            ...(reused ? { reused } : {}),
            detail: failure.message,
            ...(tail !== '' ? { lastLines: tail } : {}),
          };
        }
      }),
    );
    for (const key of created) this.inFlight.delete(key);
    return {
      project,
      ok: outcomes.every((o) => o.state === 'ready' || o.state === 'succeeded'),
      tasks: outcomes,
    };
  }

  /** The task of `row` as it is now. */
  private taskOf(row: TaskRow) {
    return toTask(this.supervisor.store.get(row.id) ?? row);
  }

  /** A new in-flight entry for task `name`: waits for its dependencies in `entries`, starts it, watches it. */
  private entry(
    project: string,
    name: string,
    spec: ProjectTaskSpec,
    graph: DependencyGraph,
    entries: Map<string, Entry>,
    session: string | undefined,
  ): Entry {
    // No caller's signal here: an entry is shared with other project/up, and every wait in it is bounded
    // (readiness by its timeout, succeeded by the task's end).
    const { supervisor } = this;
    const started = (async () => {
      await Promise.all(
        Object.entries(spec.dependsOn).map(([dep, condition]) =>
          reached(entries.get(dep) as Entry, condition).catch((error: unknown) => {
            const why = error instanceof NotReady ? error.message : String(error);
            throw new NotReady(
              'skipped',
              `not started: dependency "${dep}" did not get ${condition} (${why})`,
            );
          }),
        ),
      );
      const done = this.succeededBefore(project, name, spec, graph);
      if (done) return { row: done, reused: true };
      const { dependsOn: _deps, ready: _ready, ...run } = spec;
      const task = await supervisor.run({
        ...run,
        name,
        project,
        reuse: true,
        ...(session !== undefined ? { session } : {}),
      });
      const row = supervisor.store.get(task.id) as TaskRow;
      if (task.state === 'failed' && !task.reused)
        throw new NotReady('failed', task.reason ?? 'could not start', row);
      return { row, reused: task.reused === true };
    })();
    const ready = started.then(async ({ row }) => {
      const outcome = await waitProjectReady(supervisor, supervisor.options.shell, row, spec.ready);
      const now = supervisor.store.get(row.id) ?? row;
      if (outcome === 'ready') return now;
      if (outcome === 'timeout')
        throw new NotReady(
          'timed_out',
          `not ready within ${(spec.ready?.timeoutMs ?? 60_000) / 1000} s`,
          now,
        );
      // Ended before its check passed: a one-shot task that succeeded without a check is ready anyway.
      throw new NotReady('failed', `${endWords(now)} before it was ready`, now);
    });
    let succeeded: Promise<TaskRow> | undefined;
    const entry: Entry = {
      command: spec.command,
      cwd: spec.cwd,
      started,
      ready,
      succeeded: () => {
        succeeded ??= started.then(async ({ row }) => {
          const { task } = await supervisor.wait(row.id, undefined);
          const now = supervisor.store.get(row.id) ?? row;
          if (task.state === 'succeeded') return now;
          throw new NotReady('failed', endWords(now), now);
        });
        return succeeded;
      },
    };
    // Each is awaited by whoever needs it; none may go unhandled.
    started.catch(() => undefined);
    ready.catch(() => undefined);
    return entry;
  }

  /**
   * The run of one-shot task `name` that already succeeded, with the same command and cwd, while a task
   * depending on it still runs (so `up` again does not redo a setup step), else undefined.
   */
  private succeededBefore(project: string, name: string, spec: ProjectTaskSpec, graph: DependencyGraph) {
    const { store } = this.supervisor;
    const last = store.byProjectName(project, name);
    if (last?.state !== 'succeeded' || last.command !== spec.command || last.cwd !== spec.cwd)
      return undefined;
    const dependants = withDependants(graph, [name]);
    dependants.delete(name);
    for (const dependant of dependants) {
      const row = store.byProjectName(project, dependant);
      if (row && !isTerminal(row.state)) return last;
    }
    return undefined;
  }
}

/** Resolves once `entry` meets `condition`; rejects with {@link NotReady} when it cannot. */
function reached(entry: Entry, condition: DependencyCondition): Promise<unknown> {
  if (condition === 'started') return entry.started;
  if (condition === 'ready') return entry.ready;
  return entry.succeeded();
}

/** "exited with status 1", "was killed by SIGTERM", … for messages. */
function endWords(row: TaskRow): string {
  if (!isTerminal(row.state)) return `is ${row.state}`;
  if (row.exitCode !== undefined) return `ended ${row.state} (exit status ${row.exitCode})`;
  if (row.signal !== undefined) return `ended ${row.state} (signal ${row.signal})`;
  return `ended ${row.state}${row.reason ? ` (${row.reason})` : ''}`;
}

const runners = new WeakMap<TaskSupervisor, ProjectRunner>();

/** The project runner of `supervisor` (one per daemon, so that concurrent project/up share their tasks). */
export function projectRunner(supervisor: TaskSupervisor): ProjectRunner {
  let runner = runners.get(supervisor);
  if (!runner) {
    runner = new ProjectRunner(supervisor);
    runners.set(supervisor, runner);
  }
  return runner;
}
