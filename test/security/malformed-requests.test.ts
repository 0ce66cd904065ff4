import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Role } from '@cairn/contracts/cairn/common/v1/options';
import { EmbeddingService } from '@cairn/contracts/cairn/embedding/v1/embedding';
import { IngestionService } from '@cairn/contracts/cairn/ingestion/v1/ingestion';
import { RetrievalService, SearchMode } from '@cairn/contracts/cairn/retrieval/v1/retrieval';
import { createGrpcClient, GrpcError, Status } from '@cairn/grpc';
import { waitFor } from '@cairn/testing';
import { propertySeed } from '../support/prng.js';
import { FUZZ_KINDS, fuzzRequest } from '../support/protobuf-fuzz.js';
import {
  cairnMethods,
  grpcFramePrefix,
  http2Call,
  methodName,
  RawGrpcClient,
  type RawOutcome,
} from '../support/raw-grpc.js';
import { startSecuredAllInOne, type SecuredProcess } from './harness.js';

const TENANT = 'fuzz';
const MAX_MESSAGE_BYTES = 64 * 1024;
/** Requests of each fuzz kind sent to each method. */
const PER_KIND = 24;
/** Statuses that mean the server failed rather than the request: never an answer to bad input. */
const SERVER_FAULTS = new Set([Status.UNKNOWN, Status.INTERNAL, Status.DATA_LOSS, Status.UNAVAILABLE]);

function isClear(outcome: RawOutcome): boolean {
  return !SERVER_FAULTS.has(outcome.code) && (outcome.code === Status.OK || /\S/.test(outcome.details));
}

/**
 * Malformed and oversized requests on every method: random protobuf bytes (seeded), hand-made
 * truncated and garbage gRPC frames, and messages over the size limit. Every one gets a clear
 * status, and the process stays up and healthy.
 */
void describe('malformed and oversized requests', { timeout: 300_000 }, () => {
  let cairn: SecuredProcess;
  let raw: RawGrpcClient;
  const methods = cairnMethods();

  before(async () => {
    cairn = await startSecuredAllInOne([{ name: 'admin', tenant: TENANT, roles: [Role.ADMIN] }], {
      CAIRN_GRPC_MAX_MESSAGE_BYTES: String(MAX_MESSAGE_BYTES),
    });
    raw = new RawGrpcClient(cairn.aio.grpcAddress);
  });
  after(async () => {
    raw.close();
    await cairn.stop();
  });

  void it('random protobuf bytes on every method: a clear status, never a server fault', async (t) => {
    const rng = propertySeed('random requests');
    const apiKey = cairn.keys['admin']!;
    const codes = new Map<string, number>();
    const unclear: string[] = [];
    for (const method of methods) {
      for (const kind of FUZZ_KINDS) {
        for (let i = 0; i < PER_KIND; i++) {
          const count = method.methodKind === 'client_streaming' ? rng.int(1, 3) : 1;
          const messages = Array.from({ length: count }, () => fuzzRequest(method.input, kind, rng));
          // Now and then without a key: authentication comes before decoding.
          const anonymous = rng.chance(0.1);
          const outcome = await raw.call(method, messages, anonymous ? {} : { apiKey, deadlineMs: 30_000 });
          const name = Status[outcome.code] ?? String(outcome.code);
          codes.set(name, (codes.get(name) ?? 0) + 1);
          if (anonymous) assert.equal(outcome.code, Status.UNAUTHENTICATED, outcome.details);
          if (!isClear(outcome))
            unclear.push(
              `${methodName(method)} ${kind}#${i}: ${name} '${outcome.details}' for ${messages.map((m) => m.toString('hex')).join(' | ')}`,
            );
        }
      }
    }
    t.diagnostic(`statuses: ${JSON.stringify(Object.fromEntries(codes))}`);
    const serverErrors = cairn.aio
      .output()
      .split('\n')
      .filter((line) => line.includes('"level":50'))
      .slice(-5);
    assert.deepEqual(
      unclear,
      [],
      `requests answered with a server fault or no message; the server logged:\n${serverErrors.join('\n')}`,
    );
    assert.ok((codes.get('INVALID_ARGUMENT') ?? 0) > 0, 'some requests were refused as invalid');
    assert.ok((codes.get('OK') ?? 0) > 0, 'some random but well-formed requests were served');
  });

  void it('regressions the fuzzer found: a clear status, not INTERNAL', async () => {
    const apiKey = cairn.keys['admin']!;
    const embedding = createGrpcClient(EmbeddingService, cairn.aio.grpcAddress, { apiKey });
    const retrieval = createGrpcClient(RetrievalService, cairn.aio.grpcAddress, { apiKey });
    try {
      // The hash provider has no input limit (MAX_SAFE_INTEGER), which did not fit the uint32 field.
      const { model } = await embedding.getModel({});
      assert.equal(model?.maxInputTokens, 0xffff_ffff);
      // A metadata key the embedded store cannot express was an unmapped store error (and a NUL
      // slipped past its check).
      for (const key of ['a"b\\c', 'nul\u0000inside'])
        for (const mode of [SearchMode.DENSE, SearchMode.KEYWORD, SearchMode.HYBRID]) {
          const filter = { must: [{ key, match: { case: 'equals' as const, value: 'x' } }] };
          for (const call of [
            retrieval.search({ query: 'anything', mode, filter }),
            retrieval.buildContext({ query: 'anything', mode, filter }),
          ]) {
            const error = await call.then(
              () => assert.fail('expected INVALID_ARGUMENT'),
              (e: unknown) => e,
            );
            assert.ok(error instanceof GrpcError);
            assert.equal(Status[error.code], 'INVALID_ARGUMENT', error.message);
            assert.match(error.message, /invalid metadata filter key/);
          }
        }
    } finally {
      embedding.close();
      retrieval.close();
    }
  });

  void it('truncated and garbage gRPC frames: a clear status for each', async () => {
    const address = cairn.aio.grpcAddress;
    const auth = { authorization: `Bearer ${cairn.keys['admin']!}` };
    for (const method of methods) {
      const name = methodName(method);
      const single = method.methodKind === 'unary' || method.methodKind === 'server_streaming';
      const cases: Array<
        [string, Buffer, Record<string, string>, (o: { code?: Status; details: string }) => void]
      > = [
        [
          'a frame cut short (prefix says 100 bytes, 10 follow)',
          Buffer.concat([grpcFramePrefix(0, 100), Buffer.alloc(10)]),
          auth,
          (o) =>
            // grpc-js drops an incomplete frame at the end of a request stream: a method taking one
            // message then has none (INVALID_ARGUMENT); a client stream ends after its complete
            // messages (here none), and its response says how many it handled.
            single
              ? assert.equal(o.code, Status.INVALID_ARGUMENT, o.details)
              : assert.ok(o.code !== undefined && !SERVER_FAULTS.has(o.code), o.details),
        ],
        [
          'half a prefix',
          Buffer.from([0, 0, 0]),
          auth,
          (o) => assert.ok(o.code !== undefined && !SERVER_FAULTS.has(o.code), o.details),
        ],
        [
          'a length prefix of 4 GiB',
          Buffer.concat([grpcFramePrefix(0, 0xffffffff), Buffer.alloc(10)]),
          auth,
          (o) => assert.equal(o.code, Status.RESOURCE_EXHAUSTED, o.details),
        ],
        [
          'a compressed frame of an encoding the server does not know',
          Buffer.concat([grpcFramePrefix(1, 4), Buffer.from([1, 2, 3, 4])]),
          { ...auth, 'grpc-encoding': 'snappy-9000' },
          (o) => {
            // The gRPC compression spec's answer to an unsupported encoding.
            assert.equal(o.code, Status.UNIMPLEMENTED, o.details);
            assert.match(o.details, /snappy-9000/);
          },
        ],
        [
          'gzip-flagged garbage',
          Buffer.concat([grpcFramePrefix(1, 4), Buffer.from([1, 2, 3, 4])]),
          { ...auth, 'grpc-encoding': 'gzip' },
          (o) => {
            // grpc-js answers a frame it cannot inflate itself, before any handler, INTERNAL with this message.
            assert.equal(o.code, Status.INTERNAL, o.details);
            assert.equal(o.details, 'Failed to decompress message');
          },
        ],
      ];
      if (single)
        cases.push(
          [
            'no message at all',
            Buffer.alloc(0),
            auth,
            (o) => {
              assert.equal(o.code, Status.INVALID_ARGUMENT, o.details);
              assert.match(o.details, /held no message; this method takes exactly one/);
            },
          ],
          [
            'two messages',
            Buffer.concat([grpcFramePrefix(0, 0), grpcFramePrefix(0, 0)]),
            auth,
            (o) => assert.equal(o.code, Status.INVALID_ARGUMENT, o.details),
          ],
        );
      for (const [what, body, headers, check] of cases) {
        const outcome = await http2Call(address, method, body, headers);
        assert.equal(outcome.httpStatus, 200, `${name}, ${what}`);
        try {
          check(outcome);
          assert.ok(
            outcome.code === Status.OK || /\S/.test(outcome.details),
            'a message comes with the status',
          );
        } catch (error) {
          throw new Error(`${name}, ${what}: ${(error as Error).message}`, { cause: error });
        }
      }
      const wrongType = await http2Call(address, method, Buffer.alloc(5), {
        ...auth,
        'content-type': 'text/plain',
      });
      assert.equal(wrongType.httpStatus, 415, `${name}: a non-gRPC content type is refused over HTTP`);
    }
  });

  void it(`a message over CAIRN_GRPC_MAX_MESSAGE_BYTES on every method → RESOURCE_EXHAUSTED`, async () => {
    const oversized = Buffer.alloc(MAX_MESSAGE_BYTES + 1, 0x0a);
    for (const method of methods) {
      const outcome = await raw.call(method, [oversized], { apiKey: cairn.keys['admin']! });
      assert.equal(Status[outcome.code], 'RESOURCE_EXHAUSTED', `${methodName(method)}: ${outcome.details}`);
      assert.match(
        outcome.details,
        new RegExp(`larger than max \\(${MAX_MESSAGE_BYTES + 1} vs ${MAX_MESSAGE_BYTES}\\)`),
      );
    }
  });

  void it('after all of it the process is up, healthy and serving', async () => {
    assert.equal(await cairn.serving(), true, 'grpc.health.v1 says SERVING');
    const apiKey = cairn.keys['admin']!;
    const ingestion = createGrpcClient(IngestionService, cairn.aio.grpcAddress, { apiKey });
    const retrieval = createGrpcClient(RetrievalService, cairn.aio.grpcAddress, { apiKey });
    try {
      const { documentId } = await ingestion.ingest({
        document: {
          collection: 'after-fuzz',
          externalId: 'still-works',
          content: { case: 'text', value: 'The quokka survived the barrage unharmed.' },
        },
      });
      await waitFor(
        async () =>
          (
            await retrieval.search({
              query: 'quokka barrage',
              mode: SearchMode.KEYWORD,
              collections: ['after-fuzz'],
            })
          ).chunks.some((c) => c.chunk?.documentId === documentId),
        { timeoutMs: 60_000, intervalMs: 100, description: 'the new document to be searchable' },
      );
    } finally {
      ingestion.close();
      retrieval.close();
    }
  });
});
