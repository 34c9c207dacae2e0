import type Database from 'better-sqlite3';
import { TERMINAL_STATES, type TaskState } from '@tend/protocol';
import { ENDED_STATES_SQL as ENDED } from './state-sql.js';

/** Which ended tasks {@link RetentionStore.select} picks; a task is picked when any given limit or filter says so. */
export interface RetentionQuery {
  /** Keep this many ended tasks, newest end first; pick the rest. */
  keep?: number;
  /** Pick ended tasks whose end is before this time, ms since epoch. */
  endedBefore?: number;
}

/** Filter of {@link RetentionStore.matching} (task/prune): every given condition must hold. */
export interface PruneQuery {
  /** Ended at or before this time, ms since epoch. */
  endedBefore?: number;
  /** Only these (ended) states. */
  states?: readonly TaskState[];
}

/**
 * Finds ended tasks to forget and deletes every row that mentions them (task,
 * completions, their acknowledgements, read cursors) in one transaction. Live
 * tasks are never picked nor deleted: every statement requires an ended state.
 */
export class RetentionStore {
  private readonly statements;

  constructor(private readonly db: Database.Database) {
    this.statements = {
      // `+state`: filter on the state without its index, so that the walk is on tasks_by_ended.
      beyondCount: db.prepare(
        `SELECT id FROM tasks WHERE ended_at IS NOT NULL AND +state IN ${ENDED} ORDER BY ended_at DESC, rowid DESC LIMIT -1 OFFSET ?`,
      ),
      endedBefore: db.prepare(
        `SELECT id FROM tasks WHERE ended_at IS NOT NULL AND ended_at < ? AND +state IN ${ENDED}`,
      ),
      isEnded: db.prepare(`SELECT 1 FROM tasks WHERE id = ? AND state IN ${ENDED}`),
      deleteTask: db.prepare(`DELETE FROM tasks WHERE id = ? AND state IN ${ENDED}`),
      deleteAcks: db.prepare(
        'DELETE FROM completion_acks WHERE seq IN (SELECT seq FROM completions WHERE task_id = ?)',
      ),
      deleteCompletions: db.prepare('DELETE FROM completions WHERE task_id = ?'),
      deleteCursors: db.prepare('DELETE FROM read_cursors WHERE task_id = ?'),
    };
  }

  /** Ids of ended tasks beyond `keep` (by end time) or ended before `endedBefore`, without duplicates. */
  select(query: RetentionQuery): string[] {
    const ids = new Set<string>();
    if (query.keep !== undefined) {
      for (const row of this.statements.beyondCount.all(query.keep) as { id: string }[]) ids.add(row.id);
    }
    if (query.endedBefore !== undefined) {
      for (const row of this.statements.endedBefore.all(query.endedBefore) as { id: string }[])
        ids.add(row.id);
    }
    return [...ids];
  }

  /** Ids of ended tasks matching every condition of `query`, oldest end first. */
  matching(query: PruneQuery): string[] {
    const states = (query.states ?? TERMINAL_STATES).filter((s) => TERMINAL_STATES.includes(s));
    if (states.length === 0) return [];
    const where = [`ended_at IS NOT NULL`, `+state IN (${states.map(() => '?').join(', ')})`];
    const params: unknown[] = [...states];
    if (query.endedBefore !== undefined) {
      where.push('ended_at <= ?');
      params.push(query.endedBefore);
    }
    const sql = `SELECT id FROM tasks WHERE ${where.join(' AND ')} ORDER BY ended_at, rowid`;
    return (this.db.prepare(sql).all(...params) as { id: string }[]).map((row) => row.id);
  }

  /**
   * Deletes ended task `id` and everything recorded about it: its completions
   * (so `inbox -a` no longer shows its last lines), their acknowledgements and
   * its read cursors. Returns false (and deletes nothing) when the task is
   * missing or live.
   */
  forget(id: string): boolean {
    return this.db.transaction(() => {
      if (this.statements.isEnded.get(id) === undefined) return false;
      this.statements.deleteAcks.run(id);
      this.statements.deleteCompletions.run(id);
      this.statements.deleteCursors.run(id);
      return this.statements.deleteTask.run(id).changes > 0;
    })();
  }
}
