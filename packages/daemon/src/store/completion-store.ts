import type Database from 'better-sqlite3';
import type { Completion } from '@tend/protocol';

/** Query of {@link CompletionStore.list}. */
export interface CompletionQuery {
  /** Only ends of tasks started by this session (undefined: every task). */
  session?: string;
  /** Only seq greater than this (acknowledged ones included); without it, only unacknowledged ones. */
  after?: number;
  /** Whose acknowledgements count ('' for clients without a session). */
  ackKey: string;
  /** true: only ends hooks report (tasks run with notify on, or with trigger); false: the others; undefined: all. */
  notify?: boolean;
  limit: number;
}

/**
 * The completion inbox: every task end, numbered by a daemon-wide sequence
 * (SQLite AUTOINCREMENT: never reused, even after deletes), and which session
 * has acknowledged which end.
 */
export class CompletionStore {
  private readonly statements;

  constructor(private readonly db: Database.Database) {
    this.statements = {
      insert: db.prepare('INSERT INTO completions (task_id, session, payload) VALUES (?, ?, ?)'),
      lastSeq: db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'completions'"),
      ack: db.prepare('INSERT OR IGNORE INTO completion_acks (session, seq) VALUES (?, ?)'),
    };
  }

  /** Records one end; call inside the transaction that ends the task. @returns its seq. */
  record(completion: Omit<Completion, 'seq'>): number {
    const info = this.statements.insert.run(
      completion.taskId,
      completion.session ?? null,
      JSON.stringify(completion),
    );
    return Number(info.lastInsertRowid);
  }

  /** Ends matching `query`, oldest first. */
  list(query: CompletionQuery): Completion[] {
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.session !== undefined) {
      where.push('c.session = ?');
      params.push(query.session);
    }
    if (query.notify !== undefined) {
      // The payload holds `notify: false` only for tasks run with notify off, `trigger: true` only for
      // trigger tasks (json_extract gives 0 and 1); a trigger task's end is always reported.
      const reported =
        "(coalesce(json_extract(c.payload, '$.notify'), 1) = 1 OR coalesce(json_extract(c.payload, '$.trigger'), 0) = 1)";
      where.push(query.notify ? reported : `NOT ${reported}`);
    }
    if (query.after !== undefined) {
      where.push('c.seq > ?');
      params.push(query.after);
    } else {
      where.push('NOT EXISTS (SELECT 1 FROM completion_acks a WHERE a.session = ? AND a.seq = c.seq)');
      params.push(query.ackKey);
    }
    const sql = `SELECT c.seq, c.payload FROM completions c ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY c.seq LIMIT ?`;
    return (this.db.prepare(sql).all(...params, query.limit) as { seq: number; payload: string }[]).map(
      (row) => ({
        seq: row.seq,
        ...(JSON.parse(row.payload) as Omit<Completion, 'seq'>),
      }),
    );
  }

  /** Marks `seqs` acknowledged by `ackKey`. */
  ack(ackKey: string, seqs: readonly number[]): void {
    this.db.transaction(() => {
      for (const seq of seqs) this.statements.ack.run(ackKey, seq);
    })();
  }

  /** Highest seq handed out so far; 0 before the first end. */
  lastSeq(): number {
    return (this.statements.lastSeq.get() as { seq: number } | undefined)?.seq ?? 0;
  }
}
