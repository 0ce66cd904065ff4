import { readFileSync } from 'node:fs';
import { ServerCredentials } from '@grpc/grpc-js';

/** PEM files of a TLS gRPC server, as a Kubernetes TLS Secret (cert-manager) mounts them. */
export interface ServerTlsFiles {
  /** Certificate chain (`tls.crt`). */
  readonly certFile: string;
  /** Private key (`tls.key`). */
  readonly keyFile: string;
  /** CA bundle (`ca.crt`); when given, every client must present a certificate it signed (mTLS). */
  readonly clientCaFile?: string | undefined;
}

/**
 * Server credentials from PEM files: TLS, or mutual TLS when a client CA is given. Plaintext when
 * `files` is undefined. The files are read once, at start: a renewed certificate takes effect when
 * the process restarts.
 */
export function serverCredentialsFromFiles(files: ServerTlsFiles | undefined): ServerCredentials {
  if (!files) return ServerCredentials.createInsecure();
  const read = (path: string, what: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (error) {
      throw new Error(`cannot read the gRPC TLS ${what} ${path}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  };
  const clientCa = files.clientCaFile ? read(files.clientCaFile, 'client CA') : null;
  return ServerCredentials.createSsl(
    clientCa,
    [{ cert_chain: read(files.certFile, 'certificate'), private_key: read(files.keyFile, 'key') }],
    clientCa !== null,
  );
}
