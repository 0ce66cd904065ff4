import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { ConsumedRecord } from '../event-codec.js';

/** A record to append. */
export interface AppendRecord {
  readonly key: string | null;
  readonly value: Uint8Array;
  readonly headers: Readonly<Record<string, string>>;
}

interface MessageRow {
  offset: number;
  key: string | null;
  headers: string;
  value: Uint8Array;
  timestamp: number;
}

/**
 * The embedded bus's durable log in one node:sqlite file (WAL): topics, messages per
 * (topic, partition, offset) and committed offsets per (group, topic, partition).
 * Appends take the write lock up front (BEGIN IMMEDIATE), so several processes may share the file.
 */
export class SqliteLog {
  readonly db: DatabaseSync;
  private readonly statements: {
    topic: StatementSync;
    createTopic: StatementSync;
    nextOffset: StatementSync;
    insert: StatementSync;
    read: StatementSync;
    committed: StatementSync;
    commit: StatementSync;
    reset: StatementSync;
  };

  constructor(path: string, synchronous: 'FULL' | 'NORMAL') {
    this.db = new DatabaseSync(path, { timeout: 10_000 });
    this.db.exec(`PRAGMA journal_mode = WAL; PRAGMA synchronous = ${synchronous};`);
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS topics (name TEXT PRIMARY KEY, partitions INTEGER NOT NULL) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS messages (
        topic TEXT NOT NULL, "partition" INTEGER NOT NULL, "offset" INTEGER NOT NULL,
        key TEXT, headers TEXT NOT NULL, value BLOB NOT NULL, timestamp INTEGER NOT NULL,
        PRIMARY KEY (topic, "partition", "offset")) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS committed_offsets (
        grp TEXT NOT NULL, topic TEXT NOT NULL, "partition" INTEGER NOT NULL, next_offset INTEGER NOT NULL,
        PRIMARY KEY (grp, topic, "partition")) WITHOUT ROWID;`);
    this.statements = {
      topic: this.db.prepare('SELECT partitions FROM topics WHERE name = ?'),
      createTopic: this.db.prepare(
        'INSERT INTO topics (name, partitions) VALUES (?, ?) ON CONFLICT DO NOTHING',
      ),
      nextOffset: this.db.prepare(
        'SELECT COALESCE(MAX("offset") + 1, 0) AS next FROM messages WHERE topic = ? AND "partition" = ?',
      ),
      insert: this.db.prepare(
        'INSERT INTO messages (topic, "partition", "offset", key, headers, value, timestamp) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      read: this.db.prepare(
        'SELECT "offset" AS offset, key, headers, value, timestamp FROM messages ' +
          'WHERE topic = ? AND "partition" = ? AND "offset" >= ? ORDER BY "offset" LIMIT ?',
      ),
      committed: this.db.prepare(
        'SELECT next_offset AS next FROM committed_offsets WHERE grp = ? AND topic = ? AND "partition" = ?',
      ),
      commit: this.db.prepare(
        'INSERT INTO committed_offsets (grp, topic, "partition", next_offset) VALUES (?, ?, ?, ?) ' +
          'ON CONFLICT (grp, topic, "partition") DO UPDATE SET next_offset = excluded.next_offset',
      ),
      reset: this.db.prepare('DELETE FROM committed_offsets WHERE grp = ? AND topic = ?'),
    };
  }

  /** Partition count of a topic, or undefined when it does not exist. */
  partitions(topic: string): number | undefined {
    const row = this.statements.topic.get(topic) as { partitions: number } | undefined;
    return row?.partitions;
  }

  /** Creates a topic unless it exists; returns its partition count (an existing topic keeps its own). */
  createTopic(topic: string, partitions: number): number {
    this.statements.createTopic.run(topic, partitions);
    return this.partitions(topic) ?? partitions;
  }

  /** Appends durably (one transaction) and returns the record's offset. */
  append(topic: string, partition: number, record: AppendRecord, timestamp: number): number {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const { next } = this.statements.nextOffset.get(topic, partition) as { next: number };
      this.statements.insert.run(
        topic,
        partition,
        next,
        record.key,
        JSON.stringify(record.headers),
        record.value,
        timestamp,
      );
      this.db.exec('COMMIT');
      return next;
    } catch (error) {
      this.db.exec('ROLLBACK');
      throw error;
    }
  }

  /** Up to `limit` records of a partition from offset `from`. */
  read(topic: string, partition: number, from: number, limit: number): ConsumedRecord[] {
    const rows = this.statements.read.all(topic, partition, from, limit) as unknown as MessageRow[];
    return rows.map((row) => ({
      topic,
      partition,
      offset: String(row.offset),
      key: row.key,
      headers: JSON.parse(row.headers) as Record<string, string>,
      value: row.value,
      timestamp: new Date(row.timestamp),
    }));
  }

  /** Offset the next append to a partition gets (its high watermark). */
  endOffset(topic: string, partition: number): number {
    const { next } = this.statements.nextOffset.get(topic, partition) as { next: number };
    return next;
  }

  /** Next offset to consume for a group (0 when the group never committed). */
  committedOffset(group: string, topic: string, partition: number): number {
    const row = this.statements.committed.get(group, topic, partition) as { next: number } | undefined;
    return row?.next ?? 0;
  }

  commit(group: string, topic: string, partition: number, nextOffset: number): void {
    this.statements.commit.run(group, topic, partition, nextOffset);
  }

  /** Forgets a group's committed offsets on a topic: it restarts from the beginning. */
  resetOffsets(group: string, topic: string): void {
    this.statements.reset.run(group, topic);
  }

  close(): void {
    this.db.close();
  }
}
