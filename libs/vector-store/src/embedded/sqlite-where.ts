import type { FilterCondition, PointFilter } from '../vector-store.port.js';
import { VectorStoreError } from '../vector-store.port.js';

/** A SQL fragment over the `points` table aliased `p`, with its positional parameters. */
export interface SqlFragment {
  sql: string;
  params: (string | number)[];
}

const COLUMNS: Record<string, string> = {
  collection: 'p.collection',
  documentId: 'p.document_id',
  chunkHash: 'p.chunk_hash',
  sourceUri: 'p.source_uri',
  title: 'p.title',
};

function column(key: string): SqlFragment {
  if (key.startsWith('metadata.')) {
    const name = key.slice('metadata.'.length);
    // SQLite ends a JSON path at a NUL, so a key holding one would make the path invalid.
    if (name.length === 0 || /["\\\u0000]/.test(name))
      throw new VectorStoreError(`invalid metadata filter key ${key}`);
    return { sql: 'json_extract(p.metadata, ?)', params: [`$."${name}"`] };
  }
  const col = COLUMNS[key];
  if (!col) throw new VectorStoreError(`unknown filter key ${key}`);
  return { sql: col, params: [] };
}

function condition(cond: FilterCondition): SqlFragment {
  const col = column(cond.key);
  if ('equals' in cond) return { sql: `${col.sql} = ?`, params: [...col.params, cond.equals] };
  return {
    sql: `${col.sql} IN (SELECT value FROM json_each(?))`,
    params: [...col.params, JSON.stringify(cond.anyOf)],
  };
}

/**
 * WHERE clause selecting one tenant's points of one model, narrowed by collections and filter.
 * The tenant predicate is always present: it is what enforces isolation.
 */
export function pointsWhere(
  model: string,
  tenant: string,
  collections?: readonly string[],
  filter?: PointFilter,
): SqlFragment {
  const parts: string[] = ['p.model = ?', 'p.tenant = ?'];
  const params: (string | number)[] = [model, tenant];
  if (collections && collections.length > 0) {
    parts.push('p.collection IN (SELECT value FROM json_each(?))');
    params.push(JSON.stringify(collections));
  }
  for (const cond of filter?.must ?? []) {
    const c = condition(cond);
    parts.push(c.sql);
    params.push(...c.params);
  }
  for (const cond of filter?.mustNot ?? []) {
    const c = condition(cond);
    // A missing metadata key never matches, so NOT(...) must treat NULL as "does not match".
    parts.push(`NOT coalesce(${c.sql}, 0)`);
    params.push(...c.params);
  }
  return { sql: parts.join(' AND '), params };
}
