import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { DescService } from '@bufbuild/protobuf';
import { Role } from '@cairn/contracts/cairn/common/v1/options';
import type { Logger } from '@cairn/observability';
import { generateApiKey } from '../auth/api-key.js';
import { InMemoryApiKeyStore } from '../auth/in-memory.api-key-store.js';
import { GrpcError, Status } from '../errors/grpc-error.js';
import { CairnGrpcServer, type CairnGrpcServerOptions } from '../server/cairn-grpc-server.js';
import type { GrpcServiceImpl } from '../server/service-impl.types.js';

/** API keys of the test tenants: `acme` with each role, `globex` as writer. */
export interface TestKeys {
  readonly reader: string;
  readonly writer: string;
  readonly admin: string;
  readonly globexWriter: string;
}

/** A logger that keeps every line (parsed) for assertions. */
export function capturingLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, sink), lines };
}

/** Key store with the {@link TestKeys}. */
export function testKeyStore(): { store: InMemoryApiKeyStore; keys: TestKeys } {
  const reader = generateApiKey('acme', [Role.READER], { name: 'acme reader' });
  const writer = generateApiKey('acme', [Role.WRITER], { name: 'acme writer' });
  const admin = generateApiKey('acme', [Role.ADMIN], { name: 'acme admin' });
  const globex = generateApiKey('globex', [Role.WRITER], { name: 'globex writer' });
  const store = new InMemoryApiKeyStore([reader.record, writer.record, admin.record, globex.record]);
  return {
    store,
    keys: { reader: reader.key, writer: writer.key, admin: admin.key, globexWriter: globex.key },
  };
}

/** A started server on 127.0.0.1 with a random port. */
export interface TestServer {
  readonly server: CairnGrpcServer;
  readonly address: string;
  readonly keys: TestKeys;
  readonly store: InMemoryApiKeyStore;
  readonly lines: Record<string, unknown>[];
  stop(): Promise<void>;
}

/** Starts a server after `setup` added its services. */
export async function startTestServer(
  setup: (server: CairnGrpcServer) => void,
  options: Partial<CairnGrpcServerOptions> = {},
): Promise<TestServer> {
  const { store, keys } = testKeyStore();
  const { logger, lines } = capturingLogger();
  const server = new CairnGrpcServer({ apiKeyStore: store, logger, ...options });
  setup(server);
  const port = await server.start({ host: '127.0.0.1', port: 0 });
  return { server, address: `127.0.0.1:${port}`, keys, store, lines, stop: () => server.stop(1_000) };
}

/** A promise with its resolve function, for awaiting what a handler saw. */
export function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Rejects if `promise` does not settle within `ms` (a deadline for awaited events, not a sleep). */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>(
        (_, reject) =>
          (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms)),
      ),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Fills the methods a test does not care about with stubs that fail with UNIMPLEMENTED. */
export function withUnimplemented<S extends DescService>(
  service: S,
  partial: Partial<GrpcServiceImpl<S>>,
): GrpcServiceImpl<S> {
  const impl: Record<string, unknown> = { ...partial };
  for (const method of service.methods) {
    if (impl[method.localName]) continue;
    const error = () => new GrpcError(Status.UNIMPLEMENTED, `${method.name} is not implemented in this test`);
    impl[method.localName] =
      method.methodKind === 'server_streaming' || method.methodKind === 'bidi_streaming'
        ? async function* () {
            yield* [];
            throw error();
          }
        : async () => {
            throw error();
          };
  }
  return impl as GrpcServiceImpl<S>;
}
