import type Database from 'better-sqlite3';

/**
 * Durable read cursors: for each (task, reader), the byte offset up to which
 * that reader has read the task's output (task/output {since: "last"}). They
 * live in SQLite, so they survive restarts of the reader and of the daemon.
 */
export class CursorStore {
  private readonly statements;

  constructor(db: Database.Database) {
    this.statements = {
      get: db.prepare('SELECT byte_offset AS offset FROM read_cursors WHERE task_id = ? AND reader = ?'),
      set: db.prepare(
        `INSERT INTO read_cursors (task_id, reader, byte_offset, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (task_id, reader) DO UPDATE SET byte_offset = excluded.byte_offset, updated_at = excluded.updated_at`,
      ),
      deleteTask: db.prepare('DELETE FROM read_cursors WHERE task_id = ?'),
    };
  }

  /** Where `reader` stopped in task `taskId`'s output (0 if it never read it), in bytes. */
  get(taskId: string, reader: string): number {
    return (this.statements.get.get(taskId, reader) as { offset: number } | undefined)?.offset ?? 0;
  }

  /** Moves `reader`'s cursor in task `taskId` to `offset` bytes. */
  set(taskId: string, reader: string, offset: number): void {
    this.statements.set.run(taskId, reader, offset, Date.now());
  }

  /** Forgets every cursor of a removed task. */
  deleteTask(taskId: string): void {
    this.statements.deleteTask.run(taskId);
  }
}
