/**
 * Schema migrations, applied in order; migration i brings `PRAGMA user_version`
 * from i to i+1 inside one transaction. Never edit a released entry: append.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE tasks (
    id            TEXT PRIMARY KEY,
    name          TEXT,
    command       TEXT NOT NULL,
    cwd           TEXT NOT NULL,
    env           TEXT NOT NULL DEFAULT '{}',  -- JSON object of overrides
    inherit_env   INTEGER NOT NULL DEFAULT 1,
    session       TEXT,
    state         TEXT NOT NULL,
    reason        TEXT,
    pid           INTEGER,
    pgid          INTEGER,
    start_ticks   INTEGER,                     -- /proc/<pid>/stat field 22
    boot_id       TEXT,
    exit_code     INTEGER,
    signal        TEXT,
    created_at    INTEGER NOT NULL,            -- ms since epoch
    started_at    INTEGER,
    ended_at      INTEGER,
    timeout_ms    INTEGER,
    deadline_at   INTEGER,                     -- started_at + timeout_ms
    kill_at       INTEGER,                     -- when a stop escalates to SIGKILL
    stop_cause    TEXT,                        -- why tend is stopping it: user, timeout, shutdown, remove
    log_path      TEXT NOT NULL,
    output_bytes  INTEGER NOT NULL DEFAULT 0,
    output_cap    INTEGER,                     -- bytes of disk output.log may use
    output_start  INTEGER NOT NULL DEFAULT 0   -- offset of the oldest byte kept (head dropped by the cap)
  );
  CREATE INDEX tasks_by_created ON tasks (created_at DESC);
  CREATE INDEX tasks_by_state ON tasks (state);
  -- A name is unique among live tasks; ended tasks keep theirs for history.
  CREATE UNIQUE INDEX tasks_live_name ON tasks (name)
    WHERE name IS NOT NULL AND state IN ('starting', 'running', 'stopping');
  `,
  `
  -- Durable per-(task, reader) read cursors for task/output {since: "last"}.
  CREATE TABLE read_cursors (
    task_id     TEXT NOT NULL,
    reader      TEXT NOT NULL,
    byte_offset INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (task_id, reader)
  );
  -- The completion inbox: one row per task end, in the transaction that ends the task.
  CREATE TABLE completions (
    seq      INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id  TEXT NOT NULL,
    session  TEXT,
    payload  TEXT NOT NULL  -- JSON of the Completion without seq
  );
  CREATE INDEX completions_by_session ON completions (session, seq);
  CREATE TABLE completion_acks (
    session TEXT NOT NULL,  -- '' for clients without a session
    seq     INTEGER NOT NULL,
    PRIMARY KEY (session, seq)
  );
  CREATE INDEX tasks_by_session ON tasks (session, created_at);
  `,
  `
  -- Retention: ended tasks by end time (live rows have no ended_at), and a task's completions.
  CREATE INDEX tasks_by_ended ON tasks (ended_at) WHERE ended_at IS NOT NULL;
  CREATE INDEX completions_by_task ON completions (task_id);
  -- Traces that task/remove used to leave behind: completions, acks and cursors of deleted tasks.
  DELETE FROM completion_acks WHERE seq IN (SELECT seq FROM completions WHERE task_id NOT IN (SELECT id FROM tasks));
  DELETE FROM completions WHERE task_id NOT IN (SELECT id FROM tasks);
  DELETE FROM read_cursors WHERE task_id NOT IN (SELECT id FROM tasks);
  `,
  `
  -- The caller's environment captured at run (JSON object; NULL: none) and its umask (NULL: the daemon's).
  ALTER TABLE tasks ADD COLUMN captured_env TEXT;
  ALTER TABLE tasks ADD COLUMN umask INTEGER;
  `,
  `
  -- tty-column: 1 when the task's command runs under a pseudo-terminal (task/run tty), else NULL.
  ALTER TABLE tasks ADD COLUMN tty INTEGER;
  `,
  `
  -- One name per concept: the bytes the output cap dropped at the head of output.log are droppedBytes
  -- (the wire name) everywhere. SQLite >= 3.25 renames a column in place.
  ALTER TABLE tasks RENAME COLUMN output_start TO dropped_bytes;
  `,
  `
  -- Containment, leftovers, lifetime policies and resource limits (all NULL for older rows).
  ALTER TABLE tasks ADD COLUMN containment TEXT;        -- cgroup, marker or group
  ALTER TABLE tasks ADD COLUMN cgroup TEXT;             -- absolute path of the task's cgroup directory
  ALTER TABLE tasks ADD COLUMN leftover_count INTEGER;  -- processes alive when the main command ended
  ALTER TABLE tasks ADD COLUMN leftovers_running INTEGER;
  ALTER TABLE tasks ADD COLUMN kill_leftovers INTEGER;
  ALTER TABLE tasks ADD COLUMN lifetime TEXT;           -- persistent or session
  ALTER TABLE tasks ADD COLUMN ttl_ms INTEGER;
  ALTER TABLE tasks ADD COLUMN expires_at INTEGER;      -- ms since epoch: stopped when the TTL expires
  ALTER TABLE tasks ADD COLUMN memory_max_bytes INTEGER;
  ALTER TABLE tasks ADD COLUMN pids_max INTEGER;
  `,
  `
  -- Agent hooks (issue 17): what the task is for, and how its end reaches agents (NULL: the defaults).
  ALTER TABLE tasks ADD COLUMN description TEXT;
  ALTER TABLE tasks ADD COLUMN notify INTEGER;       -- 0: run with notify false; NULL: notify on
  ALTER TABLE tasks ADD COLUMN trigger_stop INTEGER; -- 1: run with trigger (may continue a stopped agent)
  `,
  `
  -- Projects (tend.toml, project/up): the absolute directory of the file a task was declared in (NULL: an
  -- ad-hoc task). A name is unique among the live tasks of its project, and among live ad-hoc tasks.
  ALTER TABLE tasks ADD COLUMN project TEXT;
  DROP INDEX tasks_live_name;
  CREATE UNIQUE INDEX tasks_live_name ON tasks (COALESCE(project, ''), name)
    WHERE name IS NOT NULL AND state IN ('starting', 'running', 'stopping');
  CREATE INDEX tasks_by_project ON tasks (project, name) WHERE project IS NOT NULL;
  `,
  `
  -- Restart policies (issue 14): the policy (JSON, defaults filled in), runs after the first, the end times of
  -- the runs restarted within the policy's window (JSON array of ms since epoch) and the next run's time.
  ALTER TABLE tasks ADD COLUMN restart_policy TEXT;
  ALTER TABLE tasks ADD COLUMN restarts INTEGER;
  ALTER TABLE tasks ADD COLUMN restart_times TEXT;
  ALTER TABLE tasks ADD COLUMN restart_at INTEGER;
  -- A restarting task holds its name like any live task.
  DROP INDEX tasks_live_name;
  CREATE UNIQUE INDEX tasks_live_name ON tasks (COALESCE(project, ''), name)
    WHERE name IS NOT NULL AND state IN ('starting', 'running', 'stopping', 'restarting');
  `,
  `
  -- Lookups by name alone (TaskStore.byName, liveByName: task references, and the check of each new task id
  -- against the names in task/run) scanned the whole table: 36 µs a lookup at 300 rows, 0.9 ms at 10,000
  -- (issue 13). Partial: ad-hoc tasks without a name cost the index nothing.
  CREATE INDEX tasks_by_name ON tasks (name) WHERE name IS NOT NULL;
  `,
];
