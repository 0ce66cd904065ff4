import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createDocumentRegistry } from './create-document-registry.js';
import { DocumentRegistryError } from './document-registry.port.js';
import { SqliteDocumentRegistry } from './sqlite/sqlite.document-registry.js';

void describe('createDocumentRegistry', () => {
  void it('opens an in-memory SQLite registry that works after migrate', async () => {
    const registry = createDocumentRegistry({ backend: 'sqlite', path: ':memory:' });
    try {
      assert.ok(registry instanceof SqliteDocumentRegistry);
      await registry.migrate();
      assert.deepEqual(await registry.health(), { ok: true, backend: 'sqlite' });
      assert.equal((await registry.counts('t')).documents, 0);
    } finally {
      await registry.close();
    }
  });

  void it('names the missing setting', () => {
    assert.throws(() => createDocumentRegistry({ backend: 'sqlite' }), DocumentRegistryError);
    assert.throws(() => createDocumentRegistry({ backend: 'postgres' }), /needs a url/);
    assert.throws(
      () =>
        createDocumentRegistry({ backend: 'postgres', url: 'postgres://127.0.0.1:1/x', schema: 'Bad-Name' }),
      /schema must match/,
    );
  });
});
