import { readFileSync } from 'node:fs';
import { credentials, type ChannelCredentials } from '@grpc/grpc-js';

/** PEM files a client uses to reach a TLS (or mutual TLS) gRPC server. */
export interface ClientTlsFiles {
  /** CA bundle the server's certificate must chain to; absent = the system's trusted roots. */
  readonly caFile?: string | undefined;
  /** The client's certificate chain, for a server that requires client certificates (mTLS). */
  readonly certFile?: string | undefined;
  /** The client's private key (with `certFile`). */
  readonly keyFile?: string | undefined;
}

/**
 * Channel credentials for TLS, with the client certificate when one is given (both `certFile` and
 * `keyFile`, or neither). Throws naming the file that cannot be read.
 */
export function channelCredentialsFromFiles(files: ClientTlsFiles = {}): ChannelCredentials {
  if (Boolean(files.certFile) !== Boolean(files.keyFile))
    throw new Error('a client certificate needs both its certificate file and its key file');
  const read = (path: string | undefined, what: string): Buffer | null => {
    if (!path) return null;
    try {
      return readFileSync(path);
    } catch (error) {
      throw new Error(`cannot read the TLS ${what} ${path}: ${(error as Error).message}`, { cause: error });
    }
  };
  return credentials.createSsl(
    read(files.caFile, 'CA file'),
    read(files.keyFile, 'key file'),
    read(files.certFile, 'certificate file'),
  );
}
