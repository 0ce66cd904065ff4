import { sqlIdentifier } from '@cairn/sql';

/** Names of the store's tables, qualified as the dialect needs. */
export interface AgentTables {
  readonly definitions: string;
  readonly runs: string;
  readonly steps: string;
  readonly sessions: string;
}

/** Table names on SQLite (one database file per store). */
export const SQLITE_TABLES: AgentTables = {
  definitions: 'agent_definitions',
  runs: 'agent_runs',
  steps: 'agent_steps',
  sessions: 'agent_sessions',
};

/** Table names in a PostgreSQL schema. */
export function postgresTables(schema: string): AgentTables {
  const s = sqlIdentifier(schema);
  return {
    definitions: `"${s}".agent_definitions`,
    runs: `"${s}".agent_runs`,
    steps: `"${s}".agent_steps`,
    sessions: `"${s}".agent_sessions`,
  };
}

/** DDL of the store, for either dialect (`bytes`/`int` are the dialect's BLOB/BYTEA and INTEGER/BIGINT). */
export function agentSchema(t: AgentTables, types: { bytes: string; int: string }): string[] {
  const { bytes, int } = types;
  return [
    `CREATE TABLE IF NOT EXISTS ${t.definitions} (
      tenant TEXT NOT NULL, name TEXT NOT NULL, version ${int} NOT NULL, definition ${bytes} NOT NULL,
      created_at ${int} NOT NULL, updated_at ${int} NOT NULL, PRIMARY KEY (tenant, name, version))`,
    `CREATE TABLE IF NOT EXISTS ${t.runs} (
      run_id TEXT PRIMARY KEY, tenant TEXT NOT NULL, agent TEXT NOT NULL, status ${int} NOT NULL,
      session_id TEXT NOT NULL, idempotency_key TEXT NOT NULL, created_at ${int} NOT NULL,
      run ${bytes} NOT NULL, lease_owner TEXT, lease_epoch ${int} NOT NULL DEFAULT 0,
      lease_expires_at ${int} NOT NULL DEFAULT 0, cancel_requested ${int} NOT NULL DEFAULT 0,
      cancel_reason TEXT NOT NULL DEFAULT '', step_count ${int} NOT NULL DEFAULT 0, prepared TEXT)`,
    `CREATE UNIQUE INDEX IF NOT EXISTS agent_runs_idempotency ON ${t.runs} (tenant, idempotency_key)
      WHERE idempotency_key <> ''`,
    `CREATE INDEX IF NOT EXISTS agent_runs_by_tenant ON ${t.runs} (tenant, created_at, run_id)`,
    `CREATE INDEX IF NOT EXISTS agent_runs_by_session ON ${t.runs} (tenant, session_id, created_at)`,
    `CREATE INDEX IF NOT EXISTS agent_runs_claimable ON ${t.runs} (status, lease_expires_at)`,
    `CREATE TABLE IF NOT EXISTS ${t.steps} (
      run_id TEXT NOT NULL, idx ${int} NOT NULL, step ${bytes} NOT NULL, published ${int} NOT NULL DEFAULT 0,
      PRIMARY KEY (run_id, idx))`,
    `CREATE TABLE IF NOT EXISTS ${t.sessions} (
      tenant TEXT NOT NULL, session_id TEXT NOT NULL, summary TEXT NOT NULL, summarized_through ${int} NOT NULL,
      expires_at ${int} NOT NULL, PRIMARY KEY (tenant, session_id))`,
  ];
}
