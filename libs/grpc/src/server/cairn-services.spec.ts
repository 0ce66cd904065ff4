import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AgentService, RunStatus } from '@cairn/contracts/cairn/agent/v1/agent';
import {
  DocumentStatus,
  IngestionService,
  type IngestStreamRequest,
} from '@cairn/contracts/cairn/ingestion/v1/ingestion';
import { createGrpcClient } from '../client/grpc-client.js';
import { GrpcError, Status } from '../errors/grpc-error.js';
import { startTestServer, withUnimplemented, type TestServer } from '../testing/grpc-test-kit.js';

/** The real Cairn contracts through the server and client, with fake implementations. */
describe('Cairn services from @cairn/contracts', { timeout: 30_000 }, () => {
  let t: TestServer;
  const streamed: IngestStreamRequest[] = [];

  before(async () => {
    t = await startTestServer((server) => {
      server.addService(
        IngestionService,
        withUnimplemented(IngestionService, {
          async ingest(request) {
            if (request.document?.content.case !== 'text') {
              throw new GrpcError(Status.INVALID_ARGUMENT, 'document.text is required', {
                reason: 'CONTENT_MISSING',
                field: 'document.text',
              });
            }
            return {
              documentId: `${request.tenant}/${request.document.externalId}`,
              // A value the uint32 field cannot carry: the response fails to encode.
              version: request.document.externalId === 'overflow' ? 2 ** 40 : 1,
              status: DocumentStatus.CHUNKED,
              chunkCount: 2,
              requestId: request.requestId,
            };
          },
          async ingestStream(requests) {
            const results = [];
            for await (const request of requests) {
              streamed.push(request);
              results.push({
                index: results.length,
                externalId: request.document?.externalId ?? '',
                outcome: {
                  case: 'ingested' as const,
                  value: {
                    documentId: `${request.tenant}/${request.document?.externalId ?? ''}`,
                    version: 1,
                  },
                },
              });
            }
            return { results, ingestedCount: results.length };
          },
        }),
      );
      server.addService(
        AgentService,
        withUnimplemented(AgentService, {
          async *run(request, ctx) {
            yield {
              runId: 'r1',
              status: RunStatus.RUNNING,
              step: {
                index: 0,
                kind: { case: 'finalAnswer', value: { text: `echo ${request.input} for ${ctx.tenant}` } },
              },
            };
            yield { runId: 'r1', status: RunStatus.SUCCEEDED };
          },
        }),
      );
    });
  });
  after(() => t.stop());

  it('IngestionService.Ingest (unary): tenant filled in, errors with field details', async () => {
    const client = createGrpcClient(IngestionService, t.address, { apiKey: t.keys.writer });
    try {
      const response = await client.ingest({
        document: { externalId: 'doc-1', content: { case: 'text', value: 'hello' } },
        requestId: 'q1',
      });
      assert.deepEqual(
        [response.documentId, response.status, response.chunkCount, response.requestId],
        ['acme/doc-1', DocumentStatus.CHUNKED, 2, 'q1'],
      );
      const error = await client.ingest({ document: { externalId: 'doc-2' } }).catch((e: unknown) => e);
      assert.ok(error instanceof GrpcError);
      assert.equal(error.code, Status.INVALID_ARGUMENT);
      assert.deepEqual(error.details, { reason: 'CONTENT_MISSING', field: 'document.text' });
      const unimplemented = await client.getDocument({ documentId: 'x' }).catch((e: unknown) => e);
      assert.ok(unimplemented instanceof GrpcError);
      assert.equal(unimplemented.code, Status.UNIMPLEMENTED);
    } finally {
      client.close();
    }
  });

  it('IngestionService.Ingest refuses a READER key (required_role WRITER)', async () => {
    const client = createGrpcClient(IngestionService, t.address, { apiKey: t.keys.reader });
    try {
      const error = await client.ingest({}).catch((e: unknown) => e);
      assert.ok(error instanceof GrpcError);
      assert.equal(error.code, Status.PERMISSION_DENIED);
      assert.match(error.message, /IngestionService\/Ingest requires role WRITER/);
    } finally {
      client.close();
    }
  });

  it('a response that cannot be encoded is INTERNAL for the client and logged with the method', async () => {
    const client = createGrpcClient(IngestionService, t.address, { apiKey: t.keys.writer });
    try {
      const error = await client
        .ingest({ document: { externalId: 'overflow', content: { case: 'text', value: 'x' } } })
        .catch((e: unknown) => e);
      assert.ok(error instanceof GrpcError);
      assert.equal(error.code, Status.INTERNAL);
      const logged = t.lines.find((line) => String(line['msg']).includes('response could not be encoded'));
      assert.ok(logged, 'the encoding failure is logged');
      assert.equal(logged['method'], '/cairn.ingestion.v1.IngestionService/Ingest');
      assert.match(JSON.stringify(logged['err']), /uint32/);
    } finally {
      client.close();
    }
  });

  it('IngestionService.IngestStream (client stream)', async () => {
    const client = createGrpcClient(IngestionService, t.address, { apiKey: t.keys.writer });
    try {
      async function* documents() {
        for (const id of ['a', 'b', 'c'])
          yield { document: { externalId: id, content: { case: 'text' as const, value: id } } };
      }
      const response = await client.ingestStream(documents());
      assert.equal(response.ingestedCount, 3);
      assert.deepEqual(
        response.results.map((r) => r.outcome.case === 'ingested' && r.outcome.value.documentId),
        ['acme/a', 'acme/b', 'acme/c'],
      );
      assert.ok(streamed.every((r) => r.tenant === 'acme'));
    } finally {
      client.close();
    }
  });

  it('AgentService.Run (server stream)', async () => {
    const client = createGrpcClient(AgentService, t.address, { apiKey: t.keys.writer });
    try {
      const responses = [];
      for await (const response of client.run({ agent: 'helper', input: 'hi' })) responses.push(response);
      assert.equal(responses.length, 2);
      assert.equal(
        responses[0]?.step?.kind.case === 'finalAnswer' && responses[0].step.kind.value.text,
        'echo hi for acme',
      );
      assert.equal(responses[1]?.status, RunStatus.SUCCEEDED);
    } finally {
      client.close();
    }
  });
});
