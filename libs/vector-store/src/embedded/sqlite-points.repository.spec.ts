import assert from 'node:assert/strict';
import { DatabaseSync } from 'node:sqlite';
import { describe, it } from 'node:test';
import type { PointFilter } from '../vector-store.port.js';
import { candidatesWhereSql, POINTS_SCHEMA } from './sqlite-points.repository.js';
import { pointsWhere } from './sqlite-where.js';

void describe('SqlitePointsRepository queries', () => {
  void it('post-filters ANN candidates by pk lookups, never by scanning the tenant', () => {
    const db = new DatabaseSync(':memory:');
    db.exec(POINTS_SCHEMA);
    const filters: (PointFilter | undefined)[] = [
      undefined,
      { must: [{ key: 'documentId', equals: 'd1' }] },
      { mustNot: [{ key: 'metadata.lang', equals: 'de' }] },
    ];
    for (const filter of filters) {
      const where = pointsWhere('m', 't', ['c'], filter);
      const plan = db
        .prepare(`EXPLAIN QUERY PLAN ${candidatesWhereSql(where)}`)
        .all('[1, 2, 3]', ...where.params)
        .map((row) => String(row['detail']));
      assert.ok(plan[0]?.startsWith('SCAN candidate'), plan.join(' | '));
      assert.ok(
        plan.some((step) => /SEARCH p USING INTEGER PRIMARY KEY/.test(step)),
        plan.join(' | '),
      );
      assert.ok(!plan.some((step) => /points_by_|SCAN p\b/.test(step)), plan.join(' | '));
    }
    db.close();
  });
});
