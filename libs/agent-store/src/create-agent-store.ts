import { PostgresDatabase, SqliteDatabase } from '@cairn/sql';
import { AgentStoreUnavailableError, type AgentStore } from './agent-store.port.js';
import { agentSchema, postgresTables, SQLITE_TABLES } from './sql/agent-tables.js';
import { SqlAgentStore } from './sql/sql.agent-store.js';

/** Where the store lives: a SQLite file (embedded) or a PostgreSQL schema (distributed). */
export type AgentStoreOptions =
  | { readonly backend: 'sqlite'; readonly path: string }
  | {
      readonly backend: 'postgres';
      readonly url: string;
      /** Schema of the tables (default `cairn_agent`). */
      readonly schema?: string;
      readonly maxConnections?: number;
    };

/** The one place that builds an {@link AgentStore} from options; call `migrate()` before use. */
export function createAgentStore(
  options: AgentStoreOptions,
): AgentStore & { exec(sql: string): Promise<void> } {
  if (options.backend === 'sqlite') {
    const database = new SqliteDatabase({ path: options.path });
    const statements = agentSchema(SQLITE_TABLES, { bytes: 'BLOB', int: 'INTEGER' });
    return new SqlAgentStore(
      database,
      SQLITE_TABLES,
      async () => {
        for (const sql of statements) await database.exec(sql);
      },
      '',
    );
  }
  const schema = options.schema ?? 'cairn_agent';
  const tables = postgresTables(schema);
  const database = new PostgresDatabase({
    url: options.url,
    ...(options.maxConnections === undefined ? {} : { maxConnections: options.maxConnections }),
    unavailable: (error) => new AgentStoreUnavailableError(`PostgreSQL is unavailable: ${error.message}`),
  });
  const statements = [
    `CREATE SCHEMA IF NOT EXISTS "${schema}"`,
    ...agentSchema(tables, { bytes: 'BYTEA', int: 'BIGINT' }),
  ];
  return new SqlAgentStore(
    database,
    tables,
    () => database.migrate('cairn.agent-store.migrate', statements),
    ' FOR UPDATE',
  );
}
