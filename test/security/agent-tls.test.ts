import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { credentials } from '@grpc/grpc-js';
import { AgentService, RunStatus } from '@cairn/contracts/cairn/agent/v1/agent';
import { Role } from '@cairn/contracts/cairn/common/v1/options';
import { IngestionService } from '@cairn/contracts/cairn/ingestion/v1/ingestion';
import { RetrievalService } from '@cairn/contracts/cairn/retrieval/v1/retrieval';
import { createGrpcClient } from '@cairn/grpc';
import { TestCertificateAuthority } from '@cairn/testing';
import { drainRun, ingestSearchable, stepsOf } from '../support/agent-clients.js';
import { startSecuredAllInOne, type SecuredProcess } from './harness.js';

/**
 * The agent-runner's own calls (its retrieve tool calling RetrievalService) over mutual TLS: the
 * all-in-one serves gRPC with client certificates required, and the runner reaches it with
 * CAIRN_AGENT_GRPC_CA_FILE, presenting its own server certificate as client certificate.
 */
void describe('agent-runner calls over mutual TLS (CAIRN_AGENT_GRPC_CA_FILE)', { timeout: 180_000 }, () => {
  let cairn: SecuredProcess;
  let ca: TestCertificateAuthority;
  let clientCredentials: ReturnType<typeof credentials.createSsl>;

  before(async () => {
    ca = TestCertificateAuthority.create('cairn agent tls CA');
    const server = ca.issue('cairn server', { serverNames: ['localhost', '127.0.0.1'] });
    const client = ca.issue('test client');
    clientCredentials = credentials.createSsl(ca.cert.cert, client.key, client.cert);
    cairn = await startSecuredAllInOne([{ name: 'admin', tenant: 'tls', roles: [Role.ADMIN] }], {
      CAIRN_GRPC_TLS_CERT_FILE: server.certFile,
      CAIRN_GRPC_TLS_KEY_FILE: server.keyFile,
      CAIRN_GRPC_TLS_CLIENT_CA_FILE: ca.cert.certFile,
      CAIRN_AGENT_GRPC_CA_FILE: ca.cert.certFile,
      CAIRN_AGENT_GRPC_TLS_SERVER_NAME: 'localhost',
    });
  });
  after(() => cairn.stop());

  void it('retrieves through the TLS port and answers with citations', async () => {
    const options = {
      apiKey: cairn.keys['admin']!,
      credentials: clientCredentials,
      channelOptions: { 'grpc.ssl_target_name_override': 'localhost' },
    };
    const ingestion = createGrpcClient(IngestionService, cairn.aio.grpcAddress, options);
    const retrieval = createGrpcClient(RetrievalService, cairn.aio.grpcAddress, options);
    const agents = createGrpcClient(AgentService, cairn.aio.grpcAddress, options);
    try {
      const documentId = await ingestSearchable(
        { ingestion, retrieval },
        'tls-policy',
        '# TLS policy\n\nEvery service presents a certificate signed by the internal CA.',
      );
      const run = await drainRun(agents.run({ agent: 'default', input: 'What does every service present?' }));
      assert.equal(run.status, RunStatus.SUCCEEDED);
      const [result] = stepsOf(run.steps, 'toolResult');
      assert.equal(result?.isError, false, `the retrieve call went through: ${result?.content ?? ''}`);
      const [retrieved] = stepsOf(run.steps, 'retrieval');
      assert.ok(
        retrieved?.citations.some((c) => c.documentId === documentId),
        'the run retrieved the document',
      );
      assert.match(stepsOf(run.steps, 'finalAnswer')[0]?.text ?? '', /certificate signed by the internal CA/);
    } finally {
      for (const client of [ingestion, retrieval, agents]) client.close();
    }
  });
});
