import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OpenApiValidator, locateQdrantOpenApi } from './openapi-validator.js';

describe('OpenApiValidator (Qdrant OpenAPI)', () => {
  const validator = new OpenApiValidator(locateQdrantOpenApi());

  it('matches literal routes before parameterised ones and decodes path params', () => {
    assert.equal(
      validator.match('POST', '/collections/a%20b/points/query')?.operation.operationId,
      'query_points',
    );
    assert.deepEqual(validator.match('POST', '/collections/a%20b/points/query')?.pathParams, {
      collection_name: 'a b',
    });
    assert.equal(validator.match('GET', '/collections/c/exists')?.operation.operationId, 'collection_exists');
    assert.equal(validator.match('PATCH', '/nope'), undefined);
  });

  it('rejects bodies and responses that break the schema, accepts nullable fields as null', () => {
    const op = validator.match('PUT', '/collections/c/points')?.operation;
    assert.ok(op?.validateBody);
    assert.equal(op.validateBody()({ points: [{ id: 'not-a-uuid', vector: [1] }] }), false);
    assert.equal(op.validateBody()({ points: [{ id: 7, vector: [1], payload: null }] }), true);
    const get = validator.match('GET', '/collections/c')?.operation.response('200');
    assert.equal(get?.({ status: 'ok', time: 0, result: { status: 'green' } }), false);
    assert.equal(
      validator.match('POST', '/collections/c/points/count')?.operation.response('200')?.({
        status: 'ok',
        time: 0,
        result: { count: -1 },
      }),
      false,
    );
  });

  it('honours CAIRN_QDRANT_OPENAPI', () => {
    assert.equal(locateQdrantOpenApi({ CAIRN_QDRANT_OPENAPI: '/x/spec.json' }), '/x/spec.json');
  });
});
