import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect } from 'node:http2';
import { Client, credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { AuditService, ExportRequestSchema } from '@cairn/contracts/cairn/audit/v1/audit';
import { Role } from '@cairn/contracts/cairn/common/v1/options';
import { Health } from '@cairn/contracts/grpc/health/v1/health';
import { IngestionService } from '@cairn/contracts/cairn/ingestion/v1/ingestion';
import { createGrpcClient, GrpcError, Status } from '@cairn/grpc';
import { waitFor } from '@cairn/testing';
import { scrapeMetric } from '../support/metrics.js';
import { encode, grpcFramePrefix } from '../support/raw-grpc.js';
import { startSecuredAllInOne, type SecuredProcess } from './harness.js';

const RATE = 2;
const VOLUMES = 40;
const BURST = 4;

async function outcomeOf(call: Promise<unknown>): Promise<GrpcError | 'OK'> {
  return call.then(
    () => 'OK' as const,
    (error: unknown) => {
      assert.ok(error instanceof GrpcError, String(error));
      return error;
    },
  );
}

void describe('per-tenant rate limit', { timeout: 120_000 }, () => {
  let cairn: SecuredProcess;
  const admin = (tenant: string) => ({ name: tenant, tenant, roles: [Role.ADMIN] });

  before(async () => {
    cairn = await startSecuredAllInOne([admin('busy'), admin('calm')], {
      CAIRN_GRPC_RATE_LIMIT_REQUESTS_PER_SECOND: String(RATE),
      CAIRN_GRPC_RATE_LIMIT_BURST: String(BURST),
    });
  });
  after(() => cairn.stop());

  void it('limits a tenant over its rate with RESOURCE_EXHAUSTED RATE_LIMITED, and not the others', async () => {
    const busy = createGrpcClient(IngestionService, cairn.aio.grpcAddress, { apiKey: cairn.keys['busy']! });
    const calm = createGrpcClient(IngestionService, cairn.aio.grpcAddress, { apiKey: cairn.keys['calm']! });
    try {
      const started = performance.now();
      const outcomes = await Promise.all(Array.from({ length: 16 }, () => outcomeOf(busy.listDocuments({}))));
      const seconds = (performance.now() - started) / 1000;
      const refused = outcomes.filter((o): o is GrpcError => o !== 'OK');
      const allowed = outcomes.length - refused.length;
      // A token bucket admits the burst plus what refilled meanwhile, whatever the machine's speed.
      assert.ok(allowed >= Math.min(BURST, outcomes.length), `${allowed} of ${outcomes.length} allowed`);
      assert.ok(
        allowed <= BURST + Math.ceil(RATE * seconds) + 1,
        `${allowed} allowed in ${seconds.toFixed(2)} s`,
      );
      assert.ok(refused.length > 0);
      for (const error of refused) {
        assert.equal(Status[error.code], 'RESOURCE_EXHAUSTED', error.message);
        assert.equal(error.details?.reason, 'RATE_LIMITED');
        const retryAfter = Number(error.details?.metadata?.['retry_after_ms']);
        assert.ok(retryAfter > 0 && retryAfter <= 1000 / RATE + 1, `retry_after_ms ${retryAfter}`);
      }

      // Another tenant on the same process is not affected.
      assert.equal(await outcomeOf(calm.listDocuments({})), 'OK');
      // Public services are not limited (they have no tenant).
      const health = createGrpcClient(Health, cairn.aio.grpcAddress);
      try {
        for (let i = 0; i < 10; i++) await health.check({ service: '' });
      } finally {
        health.close();
      }
      // The busy tenant is served again once tokens are back.
      await waitFor(async () => (await outcomeOf(busy.listDocuments({}))) === 'OK', {
        timeoutMs: 10_000,
        intervalMs: 1000 / RATE,
        description: 'the busy tenant to be admitted again',
      });
      const counted = await scrapeMetric(cairn.aio.httpBase, 'cairn_grpc_server_rate_limited_total', {
        method: '/cairn.ingestion.v1.IngestionService/ListDocuments',
      });
      assert.ok(
        counted >= refused.length,
        `cairn_grpc_server_rate_limited_total ${counted}, refused ${refused.length}`,
      );
    } finally {
      busy.close();
      calm.close();
    }
  });
});

/** Server-side count of calls of `path` that ended (with `code`, or with any code). */
function handled(cairn: SecuredProcess, path: string, code?: string): Promise<number> {
  return scrapeMetric(cairn.aio.httpBase, 'cairn_grpc_server_handled_total', {
    method: path,
    ...(code ? { code } : {}),
  });
}

/** How the server's calls of `path` ended so far, for failure messages. */
async function endings(cairn: SecuredProcess, path: string): Promise<string> {
  const metrics = await (await fetch(`${cairn.aio.httpBase}/metrics`)).text();
  return metrics
    .split('\n')
    .filter((line) => line.startsWith('cairn_grpc_server_handled_total') && line.includes(path))
    .join(' | ');
}

void describe('deadlines', { timeout: 180_000 }, () => {
  let cairn: SecuredProcess;

  before(async () => {
    cairn = await startSecuredAllInOne([{ name: 'slow', tenant: 'slow', roles: [Role.ADMIN] }]);
  });
  after(() => cairn.stop());

  void it('an Export to a client that does not read ends at the deadline, and the server stops writing', async () => {
    const apiKey = cairn.keys['slow']!;
    const ingestion = createGrpcClient(IngestionService, cairn.aio.grpcAddress, { apiKey });
    const audit = createGrpcClient(AuditService, cairn.aio.grpcAddress, { apiKey });
    try {
      // Records with payloads of ~16 KB, far more than the stream's flow-control window holds.
      for (let i = 0; i < VOLUMES; i++) {
        const text = Array.from({ length: 400 }, (_, n) => `Paragraph ${n} of volume ${i} holds words.`);
        await ingestion.ingest({
          document: {
            collection: 'library',
            externalId: `volume-${i}`,
            content: { case: 'text', value: text.join('\n\n') },
          },
        });
      }
      await waitFor(
        async () =>
          (await audit.query({ filter: { eventTypes: ['cairn.ingestion.v1.DocumentChunked'] } })).records
            .length >= VOLUMES,
        { timeoutMs: 60_000, intervalMs: 200, description: `${VOLUMES} DocumentChunked records` },
      );
    } finally {
      ingestion.close();
      audit.close();
    }
    const path = '/cairn.audit.v1.AuditService/Export';
    const before = await handled(cairn, path, 'DEADLINE_EXCEEDED');
    // HTTP/2 by hand: a paused stream reads nothing, so the server's writes wait on flow control.
    const session = connect(`http://${cairn.aio.grpcAddress}`);
    session.on('error', () => undefined);
    try {
      const body = encode(ExportRequestSchema, { includePayload: true });
      const request = session.request({
        ':method': 'POST',
        ':path': path,
        'content-type': 'application/grpc',
        te: 'trailers',
        authorization: `Bearer ${apiKey}`,
        'grpc-timeout': '1500m',
      });
      request.on('error', () => undefined);
      request.pause();
      request.end(Buffer.concat([grpcFramePrefix(0, body.length), body]));
      await waitFor(async () => (await handled(cairn, path, 'DEADLINE_EXCEEDED')) > before, {
        timeoutMs: 15_000,
        intervalMs: 100,
        description: 'the server to end its Export with DEADLINE_EXCEEDED',
      }).catch(async (error: unknown) => {
        throw new Error(`${(error as Error).message}; so far: ${await endings(cairn, path)}`, {
          cause: error,
        });
      });
      assert.equal(await handled(cairn, path, 'OK'), 0, 'the server never finished the Export');
    } finally {
      session.destroy();
    }
  });

  void it('an IngestStream the client holds open ends at the deadline, and the server stops waiting', async () => {
    const path = '/cairn.ingestion.v1.IngestionService/IngestStream';
    const before = await handled(cairn, path);
    const raw = new Client(cairn.aio.grpcAddress, credentials.createInsecure());
    try {
      const metadata = new Metadata();
      metadata.set('authorization', `Bearer ${cairn.keys['slow']!}`);
      const identity = (b: Buffer): Buffer => b;
      const error = await new Promise<ServiceError>((resolve, reject) => {
        const call = raw.makeClientStreamRequest(
          path,
          identity,
          identity,
          metadata,
          { deadline: Date.now() + 1_500 },
          (e) => (e ? resolve(e) : reject(new Error('expected DEADLINE_EXCEEDED'))),
        );
        call.on('error', () => undefined);
        // Neither a message nor the end of the stream.
      });
      assert.equal(Status[error.code], 'DEADLINE_EXCEEDED', error.details);
    } finally {
      raw.close();
    }
    // grpc-js ends the request stream when the call is cancelled; whether the handler then sees the
    // cancel or the end first is a race, so the server may count it either way. It must end.
    await waitFor(async () => (await handled(cairn, path)) > before, {
      timeoutMs: 10_000,
      description: 'the server to end its IngestStream',
    });
  });

  void it('the process stays healthy', async () => {
    assert.equal(await cairn.serving(), true);
  });
});
