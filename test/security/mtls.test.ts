import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { credentials, type ChannelCredentials } from '@grpc/grpc-js';
import { Role } from '@cairn/contracts/cairn/common/v1/options';
import { IngestionService } from '@cairn/contracts/cairn/ingestion/v1/ingestion';
import { createGrpcClient, GrpcError, Status } from '@cairn/grpc';
import { TestCertificateAuthority, type TestCertificate } from '@cairn/testing';
import { startSecuredAllInOne, type SecuredProcess } from './harness.js';

/**
 * The all-in-one with CAIRN_GRPC_TLS_* set to certificates made for the test: mutual TLS on its
 * gRPC port. Only clients with a certificate of the configured client CA get through, and they
 * still need an API key.
 */
void describe('gRPC mutual TLS (CAIRN_GRPC_TLS_*)', { timeout: 120_000 }, () => {
  let cairn: SecuredProcess;
  let ca: TestCertificateAuthority;
  let client: TestCertificate;
  let foreignCa: TestCertificateAuthority;
  let foreignClient: TestCertificate;

  before(async () => {
    ca = TestCertificateAuthority.create('cairn mtls test CA');
    const server = ca.issue('cairn server', { serverNames: ['localhost', '127.0.0.1'] });
    client = ca.issue('trusted client');
    foreignCa = TestCertificateAuthority.create('someone else CA');
    foreignClient = foreignCa.issue('foreign client');
    cairn = await startSecuredAllInOne([{ name: 'admin', tenant: 'tls', roles: [Role.ADMIN] }], {
      CAIRN_GRPC_TLS_CERT_FILE: server.certFile,
      CAIRN_GRPC_TLS_KEY_FILE: server.keyFile,
      CAIRN_GRPC_TLS_CLIENT_CA_FILE: ca.cert.certFile,
    });
  });
  after(() => cairn.stop());

  /** ListDocuments over `creds`; the error when it fails. */
  async function list(creds: ChannelCredentials, apiKey = cairn.keys['admin']): Promise<GrpcError | 'OK'> {
    const ingestion = createGrpcClient(IngestionService, cairn.aio.grpcAddress, {
      credentials: creds,
      ...(apiKey ? { apiKey } : {}),
    });
    try {
      await ingestion.listDocuments({}, { deadlineMs: 10_000 });
      return 'OK';
    } catch (error) {
      assert.ok(error instanceof GrpcError, String(error));
      return error;
    } finally {
      ingestion.close();
    }
  }

  function refused(outcome: GrpcError | 'OK', what: string): void {
    assert.notEqual(outcome, 'OK', `${what} got through`);
    assert.equal(
      Status[(outcome as GrpcError).code],
      'UNAVAILABLE',
      `${what}: ${(outcome as GrpcError).message}`,
    );
  }

  void it('serves a client with a certificate of the client CA, and reports SERVING to it', async () => {
    const creds = credentials.createSsl(ca.cert.cert, client.key, client.cert);
    assert.equal(await list(creds), 'OK');
    assert.equal(
      await cairn.serving({ credentials: credentials.createSsl(ca.cert.cert, client.key, client.cert) }),
      true,
    );
  });

  void it('still needs an API key over mutual TLS', async () => {
    const outcome = await list(credentials.createSsl(ca.cert.cert, client.key, client.cert), '');
    assert.notEqual(outcome, 'OK');
    assert.equal((outcome as GrpcError).code, Status.UNAUTHENTICATED);
    assert.equal((outcome as GrpcError).details?.reason, 'API_KEY_MISSING');
  });

  void it('refuses a client without a certificate', async () => {
    refused(await list(credentials.createSsl(ca.cert.cert)), 'a client without a certificate');
  });

  void it('refuses a client whose certificate another CA signed', async () => {
    refused(
      await list(credentials.createSsl(ca.cert.cert, foreignClient.key, foreignClient.cert)),
      'a client of another CA',
    );
  });

  void it('refuses plaintext', async () => {
    refused(await list(credentials.createInsecure()), 'a plaintext client');
  });

  void it('is refused by a client that does not trust the server’s CA', async () => {
    refused(
      await list(credentials.createSsl(foreignCa.cert.cert, client.key, client.cert)),
      'a client trusting another CA',
    );
  });

  void it('keeps serving the trusted client after the refusals (they were refusals, not an outage)', async () => {
    assert.equal(await list(credentials.createSsl(ca.cert.cert, client.key, client.cert)), 'OK');
  });
});
