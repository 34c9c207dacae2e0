import type Database from 'better-sqlite3';
import type { RestartPolicy, TaskState } from '@tend/protocol';
import { LIVE_STATES_SQL } from './state-sql.js';

/** A task row as stored (times in ms since epoch; absent values undefined). */
export interface TaskRow {
  id: string;
  name?: string;
  /** Absolute directory of the tend.toml the task was declared in (project/up); absent for ad-hoc tasks. */
  project?: string;
  command: string;
  cwd: string;
  env: Record<string, string>;
  inheritEnv: boolean;
  /** The caller's environment captured at run, under `env` (may hold secrets: the store is private). */
  capturedEnv?: Record<string, string>;
  /** File mode creation mask to run the task with (e.g. 0o022); undefined: the daemon's. */
  umask?: number;
  /** true: the command runs under a pseudo-terminal (`task/run` tty); absent or false: plain fds. */
  tty?: boolean;
  /** What the task is for, free text (task/run description). Column `description`. */
  description?: string;
  /** false: its end is left out of hook output and notifications (task/run notify false); absent: on. */
  notify?: boolean;
  /** true: its end may continue a stopped agent through the Stop hook (task/run trigger). Column `trigger_stop`. */
  trigger?: boolean;
  session?: string;
  state: TaskState;
  reason?: string;
  pid?: number;
  pgid?: number;
  /** `/proc/<pid>/stat` field 22 of the wrapper, clock ticks after boot. */
  startTicks?: number;
  bootId?: string;
  exitCode?: number;
  signal?: string;
  createdAt: number;
  startedAt?: number;
  endedAt?: number;
  timeoutMs?: number;
  /** ms since epoch after which the task is killed as timed out. */
  deadlineAt?: number;
  /** ms since epoch at which a stop in progress escalates to SIGKILL. */
  killAt?: number;
  /** Why tend is stopping (or stopped) the task; decides its end state. */
  stopCause?: StopCause;
  logPath: string;
  outputBytes: number;
  /** Most disk output.log may use, in bytes. */
  outputCap?: number;
  /**
   * Bytes the output cap dropped at the head of output.log: the offset of the oldest byte kept
   * (docs/design.md, "Output and its cap"). Column `dropped_bytes` (`output_start` before migration 6).
   */
  droppedBytes: number;
  /**
   * How the task's processes are contained (docs/design.md, "Containment"): `cgroup`, `marker`, or `group`
   * (rows of daemons before containment, handled as marker). Column `containment` (migration 7).
   */
  containment?: 'cgroup' | 'marker' | 'group';
  /** Absolute path of the task's own cgroup directory (containment `cgroup`), under the daemon's cgroup root. */
  cgroup?: string;
  /** Processes of the task still alive when its main command ended (leftovers); 0 or absent: none. */
  leftoverCount?: number;
  /** true while those leftovers still run; false once they have all ended (or were stopped). */
  leftoversRunning?: boolean;
  /** true: leftovers are killed as soon as the main command ends (task/run killLeftovers). */
  killLeftovers?: boolean;
  /** `session`: stopped when no client of its session has been connected for the grace; absent: persistent. */
  lifetime?: 'persistent' | 'session';
  /** Time to live given at run, in ms (task/run ttlMs). */
  ttlMs?: number;
  /** ms since epoch at which the task is stopped because its TTL expired (counts across daemon restarts). */
  expiresAt?: number;
  /** memory.max of the task's cgroup, in bytes (task/run memoryMaxBytes). */
  memoryMaxBytes?: number;
  /** pids.max of the task's cgroup (task/run pidsMax). */
  pidsMax?: number;
  /** Its restart policy with every default filled in (task/run restart; column `restart_policy`, JSON). */
  restart?: Required<RestartPolicy>;
  /** Runs after the first (restart policy and task/restart); absent: 0. */
  restarts?: number;
  /** When the runs its policy restarted ended, ms since epoch, oldest first: those still in the policy's window. */
  restartTimes?: number[];
  /** ms since epoch at which a `restarting` task's next run starts (its backoff ends). */
  restartAt?: number;
}

/**
 * Why tend stops a task: user kill, timeout, shutdown with killTasks, forced remove, TTL expired, session gone,
 * or task/restart (its end starts the next run at once instead of ending the task).
 */
export type StopCause = 'user' | 'timeout' | 'shutdown' | 'remove' | 'ttl' | 'session' | 'restart';

/** Filter of {@link TaskStore.list}. */
export interface TaskFilter {
  states?: readonly TaskState[];
  name?: string;
  /** Only tasks of this project (TaskRow `project`). */
  project?: string;
  /** Workspace root: tasks whose cwd is this directory or below it. */
  cwd?: string;
  session?: string;
  /** Text found (ASCII case-insensitively) in the name, command or description. */
  search?: string;
  /** true: only ended tasks whose leftovers still run (TaskRow `leftoversRunning`). */
  leftoversRunning?: boolean;
  limit: number;
}

const COLUMNS: Record<keyof TaskRow, string> = {
  id: 'id',
  name: 'name',
  project: 'project',
  command: 'command',
  cwd: 'cwd',
  env: 'env',
  inheritEnv: 'inherit_env',
  capturedEnv: 'captured_env',
  umask: 'umask',
  tty: 'tty',
  description: 'description',
  notify: 'notify',
  trigger: 'trigger_stop',
  session: 'session',
  state: 'state',
  reason: 'reason',
  pid: 'pid',
  pgid: 'pgid',
  startTicks: 'start_ticks',
  bootId: 'boot_id',
  exitCode: 'exit_code',
  signal: 'signal',
  createdAt: 'created_at',
  startedAt: 'started_at',
  endedAt: 'ended_at',
  timeoutMs: 'timeout_ms',
  deadlineAt: 'deadline_at',
  killAt: 'kill_at',
  stopCause: 'stop_cause',
  logPath: 'log_path',
  outputBytes: 'output_bytes',
  outputCap: 'output_cap',
  droppedBytes: 'dropped_bytes',
  containment: 'containment',
  cgroup: 'cgroup',
  leftoverCount: 'leftover_count',
  leftoversRunning: 'leftovers_running',
  killLeftovers: 'kill_leftovers',
  lifetime: 'lifetime',
  ttlMs: 'ttl_ms',
  expiresAt: 'expires_at',
  memoryMaxBytes: 'memory_max_bytes',
  pidsMax: 'pids_max',
  restart: 'restart_policy',
  restarts: 'restarts',
  restartTimes: 'restart_times',
  restartAt: 'restart_at',
};
const FIELDS = Object.keys(COLUMNS) as (keyof TaskRow)[];
/**
 * The select list every row query uses, in {@link FIELDS} order: rows are read as arrays (better-sqlite3's
 * `raw` mode) and decoded by position. Building a 47-key object per row in the addon cost ~14 µs a row
 * (task/list of 100 rows: 1.45 ms as objects, 0.56 ms as arrays; issue 13).
 */
const SELECT_COLUMNS = FIELDS.map((f) => COLUMNS[f]).join(', ');

/** Raised when an insert or update breaks the live-name uniqueness. */
export class NameTakenError extends Error {
  override name = 'NameTakenError';
}

/**
 * Task rows in SQLite. Every method is one statement (or one transaction), so a
 * row is never seen half-written, even after `kill -9`.
 */
export class TaskStore {
  private readonly updates = new Map<string, Database.Statement>();
  private readonly statements;

  constructor(private readonly db: Database.Database) {
    const params = FIELDS.map((f) => `@${f}`).join(', ');
    /** A statement reading whole rows: the select list of {@link SELECT_COLUMNS}, as arrays. */
    const rows = (tail: string) => db.prepare(`SELECT ${SELECT_COLUMNS} FROM tasks ${tail}`).raw(true);
    this.statements = {
      insert: db.prepare(`INSERT INTO tasks (${SELECT_COLUMNS}) VALUES (${params})`),
      get: rows('WHERE id = ?'),
      byPrefix: rows('WHERE id >= ? AND id < ? ORDER BY id LIMIT 10'),
      byName: rows(
        `WHERE name = ? ORDER BY (state IN ${LIVE_STATES_SQL}) DESC, created_at DESC, rowid DESC LIMIT 1`,
      ),
      liveByName: rows(`WHERE name = ? AND state IN ${LIVE_STATES_SQL} ORDER BY created_at LIMIT 11`),
      byProjectName: rows(
        `WHERE COALESCE(project, '') = ? AND name = ? ` +
          `ORDER BY (state IN ${LIVE_STATES_SQL}) DESC, created_at DESC, rowid DESC LIMIT 1`,
      ),
      live: rows(`WHERE state IN ${LIVE_STATES_SQL} ORDER BY created_at`),
      liveCount: db.prepare(`SELECT COUNT(*) AS n FROM tasks WHERE state IN ${LIVE_STATES_SQL}`),
      counts: db.prepare('SELECT state, COUNT(*) AS n FROM tasks GROUP BY state'),
      delete: db.prepare('DELETE FROM tasks WHERE id = ?'),
    };
  }

  /** @throws NameTakenError when a live task already has `row.name`. */
  insert(row: TaskRow): void {
    this.guardName(() => this.statements.insert.run(toParams(row)), row.name);
  }

  /** Sets the given fields of task `id`; `undefined` values clear a column. Returns false when no row has that id. */
  update(id: string, patch: Partial<Omit<TaskRow, 'id'>>): boolean {
    const keys = (Object.keys(patch) as (keyof TaskRow)[]).filter((k) => k !== 'id').sort();
    if (keys.length === 0) return this.get(id) !== undefined;
    const signature = keys.join(',');
    let statement = this.updates.get(signature);
    if (!statement) {
      statement = this.db.prepare(
        `UPDATE tasks SET ${keys.map((k) => `${COLUMNS[k]} = @${k}`).join(', ')} WHERE id = @id`,
      );
      this.updates.set(signature, statement);
    }
    const params: Record<string, unknown> = { id };
    for (const key of keys) params[key] = toColumn(key, patch[key]);
    return this.guardName(() => statement.run(params), patch.name).changes > 0;
  }

  get(id: string): TaskRow | undefined {
    return fromRow(this.statements.get.get(id));
  }

  /** Rows whose id starts with `prefix` (at most 10, by id). */
  byPrefix(prefix: string): TaskRow[] {
    // Range scan on the primary key; U+FFFF sorts after every id character.
    return this.statements.byPrefix.all(prefix, `${prefix}\uffff`).map((r) => fromRow(r) as TaskRow);
  }

  /** The live task named `name`, else the newest task that had that name. */
  byName(name: string): TaskRow | undefined {
    return fromRow(this.statements.byName.get(name));
  }

  /**
   * The live tasks named `name`, oldest first, at most 11: names are unique among the live tasks of one
   * project (and among live ad-hoc tasks), so more than one means several projects use the name.
   */
  liveByName(name: string): TaskRow[] {
    return this.statements.liveByName.all(name).map((r) => fromRow(r) as TaskRow);
  }

  /**
   * The live task named `name` in `project` (undefined: among ad-hoc tasks), else the newest task of that
   * project that had that name.
   */
  byProjectName(project: string | undefined, name: string): TaskRow | undefined {
    return fromRow(this.statements.byProjectName.get(project ?? '', name));
  }

  /** Tasks in starting, running, stopping or restarting, oldest first. */
  live(): TaskRow[] {
    return this.statements.live.all().map((r) => fromRow(r) as TaskRow);
  }

  /** How many tasks are live (starting, running, stopping, restarting), without reading their rows. */
  liveCount(): number {
    return (this.statements.liveCount.get() as { n: number }).n;
  }

  /** Tasks matching `filter`, newest first. */
  list(filter: TaskFilter): TaskRow[] {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.states && filter.states.length > 0) {
      where.push(`state IN (${filter.states.map(() => '?').join(', ')})`);
      params.push(...filter.states);
    }
    if (filter.name !== undefined) {
      where.push('name = ?');
      params.push(filter.name);
    }
    if (filter.project !== undefined) {
      where.push('project = ?');
      params.push(filter.project);
    }
    if (filter.session !== undefined) {
      where.push('session = ?');
      params.push(filter.session);
    }
    if (filter.leftoversRunning) where.push('leftovers_running = 1');
    if (filter.search !== undefined) {
      // instr() rather than LIKE: no wildcards to escape; lower() folds ASCII letters only (SQLite's built-in).
      where.push(
        "instr(lower(coalesce(name, '') || char(10) || command || char(10) || coalesce(description, '')), lower(?)) > 0",
      );
      params.push(filter.search);
    }
    if (filter.cwd !== undefined) {
      // The directory itself, or any path below it: a byte-wise range ('0' follows '/' in ASCII), so
      // case-sensitive like Linux paths and with no LIKE wildcards to escape.
      const root = filter.cwd.length > 1 ? filter.cwd.replace(/\/+$/, '') : filter.cwd;
      const below = root === '/' ? '' : root;
      where.push('(cwd = ? OR (cwd >= ? AND cwd < ?))');
      params.push(root, `${below}/`, `${below}0`);
    }
    const sql =
      `SELECT ${SELECT_COLUMNS} FROM tasks ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ` +
      'ORDER BY created_at DESC, rowid DESC LIMIT ?';
    return this.db
      .prepare(sql)
      .raw(true)
      .all(...params, filter.limit)
      .map((r) => fromRow(r) as TaskRow);
  }

  /** Number of tasks in each state (states with none omitted). */
  countByState(): Partial<Record<TaskState, number>> {
    const counts: Partial<Record<TaskState, number>> = {};
    for (const row of this.statements.counts.all() as { state: TaskState; n: number }[])
      counts[row.state] = row.n;
    return counts;
  }

  /** Runs `fn` in one transaction (all of its statements commit together or not at all). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  delete(id: string): boolean {
    return this.statements.delete.run(id).changes > 0;
  }

  private guardName<T>(run: () => T, name: string | undefined): T {
    try {
      return run();
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE' && name !== undefined) {
        throw new NameTakenError(`a live task is already named "${name}"`, { cause: error });
      }
      throw error;
    }
  }
}

/** Fields stored as JSON text. */
const JSON_FIELDS = new Set<keyof TaskRow>(['env', 'capturedEnv', 'restart', 'restartTimes']);

/** Boolean fields, stored as 0/1 (`tty` and `trigger` as 1 or NULL, `notify` as 0 or NULL; NULL: absent). */
const BOOLEAN_FIELDS = new Set<keyof TaskRow>([
  'inheritEnv',
  'tty',
  'notify',
  'trigger',
  'leftoversRunning',
  'killLeftovers',
]);

function toParams(row: TaskRow): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const field of FIELDS) params[field] = toColumn(field, row[field]);
  return params;
}

function toColumn(field: keyof TaskRow, value: unknown): unknown {
  if (value === undefined) return null;
  if (JSON_FIELDS.has(field)) return JSON.stringify(value);
  if (field === 'tty' || field === 'trigger') return value ? 1 : null;
  if (field === 'notify') return value === false ? 0 : null;
  if (BOOLEAN_FIELDS.has(field)) return value ? 1 : 0;
  return value;
}

/** How each field of {@link FIELDS} is decoded from its column, by position. */
const DECODERS = FIELDS.map((field) =>
  JSON_FIELDS.has(field) ? 'json' : BOOLEAN_FIELDS.has(field) ? 'boolean' : 'plain',
);

/**
 * A row read in raw mode (its values in {@link SELECT_COLUMNS} order) as a TaskRow: NULL columns omitted,
 * JSON columns parsed, 0/1 columns as booleans. undefined when there is no row.
 */
function fromRow(raw: unknown): TaskRow | undefined {
  if (raw === undefined) return undefined;
  const values = raw as unknown[];
  const row: Record<string, unknown> = {};
  for (let i = 0; i < FIELDS.length; i++) {
    const value = values[i];
    if (value === null || value === undefined) continue;
    const decoder = DECODERS[i];
    row[FIELDS[i] as string] =
      decoder === 'json' ? JSON.parse(value as string) : decoder === 'boolean' ? value === 1 : value;
  }
  return row as unknown as TaskRow;
}
