import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { IngestionService } from '@cairn/contracts/cairn/ingestion/v1/ingestion';
import { createGrpcClient, GrpcError, Status } from '@cairn/grpc';
import { toolPath } from '../support/repo.js';
import { runToExit, startService, type StartedService } from '../support/service-process.js';

const run = promisify(execFile);

/** Command (a)'s process: all five services in one process on embedded defaults. */
void describe('all-in-one on embedded defaults', () => {
  let aio: StartedService;
  before(async () => {
    aio = await startService({ service: 'all-in-one' });
  });
  after(async () => {
    assert.equal(await aio.stop(), 0, 'stops cleanly on SIGTERM');
  });

  void it('creates a development API key, prints it and writes it to <dataDir>/api-key', () => {
    const key = readFileSync(join(aio.dataDir, '.cairn', 'api-key'), 'utf8').trim();
    assert.match(key, /^cairn_[A-Za-z0-9]+_[A-Za-z0-9_-]+$/);
    assert.ok(aio.output().includes(key), 'the key is printed');
    const stored = readFileSync(join(aio.dataDir, '.cairn', 'api-keys.json'), 'utf8');
    assert.ok(!stored.includes(key), 'only the hash is stored');
  });

  void it('grpcurl lists the five services, status, health and reflection with no .proto files', async () => {
    const { stdout } = await run(toolPath('grpcurl'), ['-plaintext', aio.grpcAddress, 'list']);
    const services = stdout.trim().split('\n').sort();
    assert.deepEqual(services, [
      'cairn.agent.v1.AgentService',
      'cairn.audit.v1.AuditService',
      'cairn.embedding.v1.EmbeddingService',
      'cairn.ingestion.v1.IngestionService',
      'cairn.ops.v1.StatusService',
      'cairn.retrieval.v1.RetrievalService',
      'grpc.health.v1.Health',
      'grpc.reflection.v1.ServerReflection',
      'grpc.reflection.v1alpha.ServerReflection',
    ]);
  });

  void it('grpcurl calls health: SERVING overall and per service', async () => {
    for (const service of ['', 'cairn.ingestion.v1.IngestionService', 'cairn.audit.v1.AuditService']) {
      const { stdout } = await run(toolPath('grpcurl'), [
        '-plaintext',
        '-d',
        JSON.stringify({ service }),
        aio.grpcAddress,
        'grpc.health.v1.Health/Check',
      ]);
      assert.equal((JSON.parse(stdout) as { status: string }).status, 'SERVING', `health of '${service}'`);
    }
  });

  void it('grpcurl describes a method from reflection', async () => {
    const { stdout } = await run(toolPath('grpcurl'), [
      '-plaintext',
      aio.grpcAddress,
      'describe',
      'cairn.ingestion.v1.IngestionService.Ingest',
    ]);
    assert.match(
      stdout,
      /rpc Ingest \( \.cairn\.ingestion\.v1\.IngestRequest \) returns \( \.cairn\.ingestion\.v1\.IngestResponse \)/,
    );
  });

  void it('refuses RPCs without a valid API key: UNAUTHENTICATED with a clear message', async () => {
    const anonymous = createGrpcClient(IngestionService, aio.grpcAddress);
    const forged = createGrpcClient(IngestionService, aio.grpcAddress, {
      apiKey: 'cairn_deadbeef_notavalidsecret',
    });
    try {
      await assert.rejects(anonymous.listDocuments({}), (error: unknown) => {
        assert.ok(error instanceof GrpcError);
        assert.equal(error.code, Status.UNAUTHENTICATED);
        assert.match(error.message, /missing API key/);
        return true;
      });
      await assert.rejects(forged.listDocuments({}), (error: unknown) => {
        assert.ok(error instanceof GrpcError && error.code === Status.UNAUTHENTICATED);
        return true;
      });
    } finally {
      anonymous.close();
      forged.close();
    }
  });

  void it('names a request for another tenant PERMISSION_DENIED', async () => {
    const key = readFileSync(join(aio.dataDir, '.cairn', 'api-key'), 'utf8').trim();
    const client = createGrpcClient(IngestionService, aio.grpcAddress, { apiKey: key });
    try {
      await assert.rejects(client.listDocuments({ tenant: 'someone-else' }), (error: unknown) => {
        assert.ok(error instanceof GrpcError);
        assert.equal(error.code, Status.PERMISSION_DENIED);
        assert.match(error.message, /tenant default.*someone-else/);
        return true;
      });
    } finally {
      client.close();
    }
  });

  void it('serves /healthz, /readyz and /metrics over HTTP', async () => {
    assert.equal((await fetch(`${aio.httpBase}/healthz`)).status, 200);
    assert.equal((await fetch(`${aio.httpBase}/readyz`)).status, 200);
    const metrics = await (await fetch(`${aio.httpBase}/metrics`)).text();
    assert.match(metrics, /service="all-in-one"/);
  });
});

void describe('configuration at boot', () => {
  void it('a bad value stops the service with the key and the reason', async () => {
    const { code, output } = await runToExit('all-in-one', {
      CAIRN_GRPC_PORT: 'not-a-port',
      CAIRN_EVENTS_BACKEND: 'carrier-pigeon',
    });
    assert.equal(code, 78);
    assert.match(output, /CAIRN_GRPC_PORT: .*number/i);
    assert.match(output, /CAIRN_EVENTS_BACKEND: /);
  });

  void it('a misspelt key is refused rather than ignored', async () => {
    const { code, output } = await runToExit('ingestion', { CAIRN_GRPC_PROT: '1' });
    assert.equal(code, 78);
    assert.match(output, /CAIRN_GRPC_PROT: unknown configuration key/);
  });
});
