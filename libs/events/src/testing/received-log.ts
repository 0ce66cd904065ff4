import { DatabaseSync } from 'node:sqlite';

/** A sqlite file where a (child) consumer records every payload it handled: shared across processes. */
export class ReceivedLog {
  private readonly db: DatabaseSync;

  constructor(path: string) {
    this.db = new DatabaseSync(path, { timeout: 10_000 });
    this.db.exec('PRAGMA journal_mode = WAL');
    this.db.exec(`CREATE TABLE IF NOT EXISTS received (
      id INTEGER PRIMARY KEY, payload TEXT NOT NULL, "partition" INTEGER NOT NULL, "offset" TEXT NOT NULL, pid INTEGER NOT NULL)`);
  }

  record(payload: string, partition: number, offset: string): void {
    this.db
      .prepare('INSERT INTO received (payload, "partition", "offset", pid) VALUES (?, ?, ?, ?)')
      .run(payload, partition, offset, process.pid);
  }

  count(): number {
    const row = this.db.prepare('SELECT COUNT(*) AS n FROM received').get() as { n: number };
    return row.n;
  }

  payloads(): Set<string> {
    const rows = this.db.prepare('SELECT DISTINCT payload FROM received').all() as { payload: string }[];
    return new Set(rows.map((row) => row.payload));
  }

  close(): void {
    this.db.close();
  }
}
