import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { createGrpcClient } from '../client/grpc-client.js';
import type { GrpcClient } from '../client/grpc-client.types.js';
import { GrpcError, Status } from '../errors/grpc-error.js';
import { EchoService } from '../testing/echo-service.fixture.js';
import { deferred, startTestServer, within, type TestServer } from '../testing/grpc-test-kit.js';
import { InMemoryApiKeyStore } from '../auth/in-memory.api-key-store.js';
import { CairnGrpcServer } from './cairn-grpc-server.js';
import type { CallContext, GrpcServiceImpl } from './service-impl.types.js';

async function* items<T>(...values: T[]): AsyncGenerator<T> {
  for (const value of values) yield value;
}

describe('CairnGrpcServer: protobuf-es services over grpc-js', { timeout: 30_000 }, () => {
  let t: TestServer;
  let client: GrpcClient<typeof EchoService>;
  let hung = deferred<CallContext>();
  let aborted = deferred<unknown>();
  let streamClosed = deferred<boolean>();

  const impl: GrpcServiceImpl<typeof EchoService> = {
    async say(request, ctx) {
      if (request.text === 'fail-grpc') {
        throw new GrpcError(Status.FAILED_PRECONDITION, 'document d1 is still being chunked', {
          reason: 'DOCUMENT_NOT_READY',
          field: 'text',
          metadata: { document_id: 'd1' },
        });
      }
      if (request.text === 'fail-internal') throw new Error('connection to db://user:hunter2@db failed');
      if (request.text === 'fail-surrogate')
        throw new GrpcError(Status.INVALID_ARGUMENT, 'unexpected token \ud83d in input', { reason: 'BAD' });
      if (request.text === 'hang') {
        hung.resolve(ctx);
        await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
        aborted.resolve(ctx.signal.reason);
        throw ctx.signal.reason;
      }
      return { tenant: request.tenant, text: request.text, principal: ctx.principal ?? '' };
    },
    async *count(request) {
      try {
        for (let i = 0; i < request.count; i++)
          yield { text: `${request.text}-${i}`, tenant: request.tenant };
        if (request.text === 'fail-surrogate')
          throw new GrpcError(Status.INVALID_ARGUMENT, 'half an emoji \ud83d after a response');
      } finally {
        streamClosed.resolve(true);
      }
    },
    async collect(requests, ctx) {
      const texts: string[] = [];
      for await (const request of requests) texts.push(request.text);
      return { text: texts.join(','), tenant: ctx.tenant };
    },
    async *chat(requests) {
      for await (const request of requests)
        yield { text: request.text.toUpperCase(), tenant: request.tenant };
    },
    async purge() {
      return {};
    },
  };

  before(async () => {
    t = await startTestServer((server) => server.addService(EchoService, impl));
    client = createGrpcClient(EchoService, t.address, { apiKey: t.keys.admin });
  });
  after(async () => {
    client.close();
    await t.stop();
  });

  it('round-trips a unary call', async () => {
    const response = await client.say({ text: 'hello' });
    assert.equal(response.$typeName, 'cairn.grpctest.v1.EchoResponse');
    assert.equal(response.text, 'hello');
    assert.equal(response.tenant, 'acme');
    assert.match(response.principal, /^[0-9a-f]{12}$/);
  });

  it('round-trips a server stream', async () => {
    const texts: string[] = [];
    for await (const response of client.count({ text: 'n', count: 3 })) texts.push(response.text);
    assert.deepEqual(texts, ['n-0', 'n-1', 'n-2']);
  });

  it('round-trips a client stream', async () => {
    const response = await client.collect(items({ text: 'a' }, { text: 'b' }, { text: 'c' }));
    assert.equal(response.text, 'a,b,c');
    assert.equal(response.tenant, 'acme');
  });

  it('round-trips a bidi stream', async () => {
    const texts: string[] = [];
    for await (const response of client.chat(items({ text: 'x' }, { text: 'y' })))
      texts.push(`${response.text}@${response.tenant}`);
    assert.deepEqual(texts, ['X@acme', 'Y@acme']);
  });

  it('sends a GrpcError as its status with the detail in the cairn-error-bin trailer', async () => {
    const error = await client.say({ text: 'fail-grpc' }).then(
      () => assert.fail('expected an error'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof GrpcError);
    assert.equal(error.code, Status.FAILED_PRECONDITION);
    assert.equal(error.message, 'document d1 is still being chunked');
    assert.deepEqual(error.details, {
      reason: 'DOCUMENT_NOT_READY',
      field: 'text',
      metadata: { document_id: 'd1' },
    });
  });

  it('turns any other error into INTERNAL without leaking it, and logs the cause', async () => {
    const error = await client.say({ text: 'fail-internal' }).catch((e: unknown) => e);
    assert.ok(error instanceof GrpcError);
    assert.equal(error.code, Status.INTERNAL);
    assert.match(error.message, /^internal error \(id [0-9a-f]{8}\)$/);
    assert.doesNotMatch(error.message, /hunter2/);
    const id = /id ([0-9a-f]{8})/.exec(error.message)?.[1];
    const logged = t.lines.find((line) => line['errorId'] === id);
    assert.ok(logged, 'the failure is logged with the same error id');
    assert.match(JSON.stringify(logged['err']), /hunter2/);
  });

  it('sends a status whose message holds a lone surrogate, before and after responses', async () => {
    const unary = await client.say({ text: 'fail-surrogate' }).catch((e: unknown) => e);
    assert.ok(unary instanceof GrpcError, String(unary));
    assert.equal(unary.code, Status.INVALID_ARGUMENT);
    assert.equal(unary.message, 'unexpected token \ufffd in input');
    const received: string[] = [];
    const streamed = await (async () => {
      for await (const response of client.count({ text: 'fail-surrogate', count: 2 }))
        received.push(response.text);
    })().catch((e: unknown) => e);
    assert.deepEqual(received, ['fail-surrogate-0', 'fail-surrogate-1']);
    assert.ok(streamed instanceof GrpcError, String(streamed));
    assert.equal(streamed.message, 'half an emoji \ufffd after a response');
    assert.equal((await client.say({ text: 'still up' })).text, 'still up');
  });

  it('answers undecodable request bytes with INVALID_ARGUMENT and keeps serving', async () => {
    const raw = new Client(t.address, credentials.createInsecure());
    try {
      const metadata = new Metadata();
      metadata.set('authorization', `Bearer ${t.keys.admin}`);
      // Field 2 (text) claims 5 bytes but only 1 follows.
      const garbage = Buffer.from([0x12, 0x05, 0x61]);
      const error = await new Promise<ServiceError>((resolve, reject) => {
        raw.makeUnaryRequest(
          '/cairn.grpctest.v1.EchoService/Say',
          (b: Buffer) => b,
          (b: Buffer) => b,
          garbage,
          metadata,
          {},
          (e) => (e ? resolve(e) : reject(new Error('expected an error'))),
        );
      });
      assert.equal(error.code, Status.INVALID_ARGUMENT);
      assert.match(error.details, /invalid cairn\.grpctest\.v1\.EchoRequest message/);

      const stream = await new Promise<ServiceError>((resolve, reject) => {
        const call = raw.makeClientStreamRequest(
          '/cairn.grpctest.v1.EchoService/Collect',
          (b: Buffer) => b,
          (b: Buffer) => b,
          metadata,
          {},
          (e) => (e ? resolve(e) : reject(new Error('expected an error'))),
        );
        call.write(Buffer.from([0x12, 0x01, 0x61]));
        call.write(garbage);
        call.end();
      });
      assert.equal(stream.code, Status.INVALID_ARGUMENT);
    } finally {
      raw.close();
    }
    assert.equal((await client.say({ text: 'still up' })).text, 'still up');
  });

  it('answers a unary call with no request message, or two, INVALID_ARGUMENT; an unknown method stays UNIMPLEMENTED', async () => {
    const raw = new Client(t.address, credentials.createInsecure());
    const send = (path: string, messages: Buffer[]) =>
      new Promise<ServiceError>((resolve, reject) => {
        const metadata = new Metadata();
        metadata.set('authorization', `Bearer ${t.keys.admin}`);
        // A client stream on a unary path: the request stream carries as many messages as written.
        const call = raw.makeClientStreamRequest(
          path,
          (b: Buffer) => b,
          (b: Buffer) => b,
          metadata,
          {},
          (e) => (e ? resolve(e) : reject(new Error('expected an error'))),
        );
        for (const message of messages) call.write(message);
        call.end();
      });
    try {
      for (const [messages, count] of [
        [[], 'no message'],
        [[Buffer.alloc(0), Buffer.alloc(0)], 'more than one message'],
      ] as const) {
        for (const path of ['/cairn.grpctest.v1.EchoService/Say', '/cairn.grpctest.v1.EchoService/Count']) {
          const error = await send(path, [...messages]);
          assert.equal(error.code, Status.INVALID_ARGUMENT, `${path}: ${error.details}`);
          assert.match(error.details, new RegExp(`held ${count}; this method takes exactly one`));
          assert.equal(GrpcError.fromServiceError(error).details?.reason, 'MALFORMED_REQUEST');
        }
      }
      const unknown = await send('/cairn.grpctest.v1.EchoService/Nope', [Buffer.alloc(0)]);
      assert.equal(unknown.code, Status.UNIMPLEMENTED);
    } finally {
      raw.close();
    }
  });

  it('aborts the handler signal when the deadline passes', async () => {
    hung = deferred();
    aborted = deferred();
    const error = await client.say({ text: 'hang' }, { deadlineMs: 1500 }).catch((e: unknown) => e);
    assert.ok(error instanceof GrpcError);
    assert.equal(error.code, Status.DEADLINE_EXCEEDED);
    const ctx = await within(hung.promise, 2_000, 'the handler to start');
    assert.ok(ctx.deadline instanceof Date);
    const reason = await within(aborted.promise, 2_000, 'the handler signal to abort');
    assert.ok(reason instanceof GrpcError);
    assert.equal(reason.code, Status.DEADLINE_EXCEEDED);
  });

  it('aborts the handler signal when the client cancels', async () => {
    hung = deferred();
    aborted = deferred();
    const controller = new AbortController();
    const call = client.say(
      { text: 'hang' },
      {
        signal: controller.signal,
        metadata: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
      },
    );
    const ctx = await within(hung.promise, 2_000, 'the handler to start');
    assert.equal(ctx.traceparent, '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    assert.match(ctx.peer, /127\.0\.0\.1/);
    assert.equal(ctx.method.name, 'Say');
    controller.abort();
    const error = await call.catch((e: unknown) => e);
    assert.ok(error instanceof GrpcError);
    assert.equal(error.code, Status.CANCELLED);
    const reason = await within(aborted.promise, 2_000, 'the handler signal to abort');
    assert.ok(reason instanceof GrpcError);
    assert.equal(reason.code, Status.CANCELLED);
  });

  it('closes the server-side stream when the client stops reading', async () => {
    streamClosed = deferred();
    for await (const response of client.count({ text: 'big', count: 1_000_000 })) {
      assert.equal(response.text, 'big-0');
      break;
    }
    assert.equal(await within(streamClosed.promise, 2_000, 'the server generator to finish'), true);
  });

  it('refuses an implementation that lacks a method', () => {
    const incomplete = { ...impl } as Partial<GrpcServiceImpl<typeof EchoService>>;
    delete incomplete.chat;
    const fresh = new CairnGrpcServer({ apiKeyStore: new InMemoryApiKeyStore() });
    assert.throws(
      () => fresh.addService(EchoService, incomplete as GrpcServiceImpl<typeof EchoService>),
      /EchoService implementation lacks chat/,
    );
    assert.throws(() => t.server.addService(EchoService, impl), /added twice/);
  });
});
