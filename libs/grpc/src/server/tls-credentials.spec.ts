import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { credentials } from '@grpc/grpc-js';
import {
  Health,
  HealthCheckResponse_ServingStatus as ServingStatus,
} from '@cairn/contracts/grpc/health/v1/health';
import { TestCertificateAuthority } from '@cairn/testing';
import { channelCredentialsFromFiles } from '../client/channel-credentials.js';
import { createGrpcClient } from '../client/grpc-client.js';
import { GrpcError, Status } from '../errors/grpc-error.js';
import { InMemoryApiKeyStore } from '../auth/in-memory.api-key-store.js';
import { CairnGrpcServer } from './cairn-grpc-server.js';
import { serverCredentialsFromFiles, type ServerTlsFiles } from './tls-credentials.js';

/** A throw-away CA, a server certificate for 127.0.0.1/localhost and a client certificate. */
function makePki(): {
  server: ServerTlsFiles;
  caFile: string;
  ca: Buffer;
  clientCert: Buffer;
  clientKey: Buffer;
  clientCertFile: string;
  clientKeyFile: string;
} {
  const ca = TestCertificateAuthority.create();
  const server = ca.issue('server', { serverNames: ['localhost', '127.0.0.1'] });
  const client = ca.issue('client');
  return {
    server: { certFile: server.certFile, keyFile: server.keyFile },
    caFile: ca.cert.certFile,
    ca: ca.cert.cert,
    clientCert: client.cert,
    clientKey: client.key,
    clientCertFile: client.certFile,
    clientKeyFile: client.keyFile,
  };
}

async function startServer(files: ServerTlsFiles): Promise<{ server: CairnGrpcServer; address: string }> {
  const server = new CairnGrpcServer({ apiKeyStore: new InMemoryApiKeyStore([]) });
  const port = await server.start({
    host: '127.0.0.1',
    port: 0,
    credentials: serverCredentialsFromFiles(files),
  });
  return { server, address: `127.0.0.1:${port}` };
}

async function healthOver(
  address: string,
  creds: ReturnType<typeof credentials.createSsl>,
): Promise<ServingStatus> {
  const client = createGrpcClient(Health, address, {
    credentials: creds,
    // The certificate names localhost; dial the IP it is bound to.
    channelOptions: { 'grpc.ssl_target_name_override': 'localhost' },
  });
  try {
    return (await client.check({ service: '' }, { deadlineMs: 5_000 })).status;
  } finally {
    client.close();
  }
}

describe('gRPC server credentials from PEM files', { timeout: 60_000 }, () => {
  let pki: ReturnType<typeof makePki>;
  before(() => {
    pki = makePki();
  });

  describe('TLS', () => {
    let started: Awaited<ReturnType<typeof startServer>>;
    before(async () => {
      started = await startServer(pki.server);
    });
    after(() => started.server.stop(100));

    it('serves clients that trust the CA', async () => {
      assert.equal(await healthOver(started.address, credentials.createSsl(pki.ca)), ServingStatus.SERVING);
    });

    it('refuses plaintext clients', async () => {
      await assert.rejects(
        healthOver(started.address, credentials.createInsecure()),
        (error: unknown) => error instanceof GrpcError && error.code === Status.UNAVAILABLE,
      );
    });
  });

  describe('mutual TLS', () => {
    let started: Awaited<ReturnType<typeof startServer>>;
    before(async () => {
      started = await startServer({ ...pki.server, clientCaFile: pki.caFile });
    });
    after(() => started.server.stop(100));

    it('serves a client with a certificate the client CA signed', async () => {
      const creds = credentials.createSsl(pki.ca, pki.clientKey, pki.clientCert);
      assert.equal(await healthOver(started.address, creds), ServingStatus.SERVING);
    });

    it('serves a client whose CA, certificate and key come from PEM files', async () => {
      const creds = channelCredentialsFromFiles({
        caFile: pki.caFile,
        certFile: pki.clientCertFile,
        keyFile: pki.clientKeyFile,
      });
      assert.equal(await healthOver(started.address, creds), ServingStatus.SERVING);
    });

    it('refuses a client without a certificate', async () => {
      await assert.rejects(
        healthOver(started.address, credentials.createSsl(pki.ca)),
        (error: unknown) => error instanceof GrpcError && error.code === Status.UNAVAILABLE,
      );
    });
  });

  it('client credentials name the file they cannot read, and want a key with a certificate', () => {
    assert.throws(
      () => channelCredentialsFromFiles({ caFile: '/nonexistent/ca.crt' }),
      /cannot read the TLS CA file \/nonexistent\/ca\.crt/,
    );
    assert.throws(
      () => channelCredentialsFromFiles({ certFile: pki.clientCertFile }),
      /needs both its certificate file and its key file/,
    );
  });

  it('names the file it cannot read', () => {
    assert.throws(
      () => serverCredentialsFromFiles({ certFile: '/nonexistent/tls.crt', keyFile: '/nonexistent/tls.key' }),
      /cannot read the gRPC TLS (certificate|key) \/nonexistent\/tls\.(crt|key)/,
    );
  });
});
