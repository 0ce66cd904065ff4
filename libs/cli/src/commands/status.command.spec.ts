import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fromJsonString, type MessageInitShape } from '@bufbuild/protobuf';
import { GetStatusResponseSchema, StatusService } from '@cairn/contracts/cairn/ops/v1/status';
import { startTestServer, type TestServer } from '@cairn/grpc/testing';
import { ExitCode } from '../exit-codes.js';
import { runCaptured } from '../testing/capture-io.js';

const HEALTHY: MessageInitShape<typeof GetStatusResponseSchema> = {
  process: 'all-in-one',
  services: ['cairn.ingestion.v1.IngestionService', 'cairn.ops.v1.StatusService', 'grpc.health.v1.Health'],
  healthy: true,
  components: [
    { name: 'document-registry', healthy: true },
    { name: 'event-bus', healthy: true },
  ],
  consumerLag: [
    { group: 'audit', topic: 'cairn.ingestion.document-chunked.v1', partition: 0, lag: 0n },
    { group: 'embedding', topic: 'cairn.ingestion.document-chunked.v1', partition: 0, lag: 3n },
    { group: 'embedding', topic: 'cairn.ingestion.document-chunked.v1', partition: 1, lag: 2n },
    { group: 'embedding', topic: 'cairn.ingestion.document-deleted.v1', partition: 0, lag: 0n },
  ],
  counts: [
    { service: 'audit', name: 'records', value: 12n },
    { service: 'ingestion', name: 'documents', value: 4n },
    { service: 'ingestion', name: 'documents.indexed', value: 4n },
    { service: 'ingestion', name: 'documents.failed', value: 0n },
  ],
};

void describe('cairn status', { timeout: 30_000 }, () => {
  let t: TestServer;
  let answer = HEALTHY;
  before(async () => {
    t = await startTestServer((server) =>
      server.addService(StatusService, {
        getStatus: async (request) => ({ ...answer, tenant: request.tenant }),
      }),
    );
  });
  after(() => t.stop());
  const status = (...args: string[]) =>
    runCaptured(['status', ...args, '--endpoint', t.address, '--api-key', t.keys.reader]);

  void it('prints the process, components, lag per consumer group and the counts; exits 0 when healthy', async () => {
    answer = HEALTHY;
    const run = await status();
    assert.equal(run.code, ExitCode.OK, run.stderr);
    const text = run.stdout;
    assert.match(
      text,
      /^process {3}all-in-one {2}\(-\)\nhealth {4}healthy\nservices {2}cairn\.ingestion\.v1\.IngestionService, cairn\.ops\.v1\.StatusService\n/,
    );
    assert.match(text, /components\n {2}ok {2}document-registry\n {2}ok {2}event-bus\n/);
    assert.match(
      text,
      /consumer lag \(5 records behind\)\n {2}audit {6}1 partition {3}0 behind\n {2}embedding {2}3 partitions {2}5 behind\n {4}cairn\.ingestion\.document-chunked\.v1: 5 behind\n\n/,
    );
    assert.match(
      text,
      /counts of tenant acme\n {2}audit {6}records 12\n {2}ingestion {2}documents 4, documents\.indexed 4\n$/,
    );
  });

  void it('exits 1 when a component is unhealthy, naming it and why', async () => {
    answer = {
      ...HEALTHY,
      healthy: false,
      components: [{ name: 'audit-store', healthy: false, detail: 'database is locked' }],
    };
    const run = await status();
    assert.equal(run.code, ExitCode.FAILED);
    assert.match(run.stdout, /health {4}UNHEALTHY\n/);
    assert.match(run.stdout, / {2}FAIL {2}audit-store {2}database is locked\n/);
    const json = await status('--json');
    assert.equal(json.code, ExitCode.FAILED);
    assert.equal(fromJsonString(GetStatusResponseSchema, json.stdout).healthy, false);
  });

  void it('--json prints the GetStatusResponse, defaults included', async () => {
    answer = HEALTHY;
    const run = await status('--json');
    assert.equal(run.code, ExitCode.OK);
    const parsed = JSON.parse(run.stdout) as Record<string, unknown>;
    assert.equal(parsed['healthy'], true);
    assert.equal(parsed['shuttingDown'], false, 'implicit defaults are printed');
    assert.equal(fromJsonString(GetStatusResponseSchema, run.stdout).counts.length, 4);
  });
});
