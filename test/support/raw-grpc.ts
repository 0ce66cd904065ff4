import { connect, type IncomingHttpHeaders } from 'node:http2';
import {
  Client,
  credentials as channelCredentials,
  Metadata,
  type ChannelCredentials,
  type ClientOptions,
  type StatusObject,
} from '@grpc/grpc-js';
import {
  create,
  toBinary,
  type DescMessage,
  type DescMethod,
  type DescService,
  type MessageInitShape,
} from '@bufbuild/protobuf';
import { allFiles } from '@cairn/contracts';
import { errorDetailFromTrailers, type Status, type ErrorDetailInit } from '@cairn/grpc';

/** Every method of every Cairn service (`cairn.*`), read from the generated descriptors: new RPCs are covered as they are added. */
export function cairnMethods(): DescMethod[] {
  const services: DescService[] = allFiles
    .flatMap((file) => file.services)
    .filter((service) => service.typeName.startsWith('cairn.'));
  return services.flatMap((service) => service.methods);
}

/** `cairn.audit.v1.AuditService/Export`. */
export function methodName(method: DescMethod): string {
  return `${method.parent.typeName}/${method.name}`;
}

/** The protobuf binary of a request built from an init object. */
export function encode<D extends DescMessage>(schema: D, init: MessageInitShape<D>): Buffer {
  return Buffer.from(toBinary(schema, create(schema, init)));
}

/** How a call ended, as the server said it. */
export interface RawOutcome {
  readonly code: Status;
  readonly details: string;
  /** The `cairn-error-bin` detail, when the server sent one. */
  readonly detail: ErrorDetailInit | undefined;
  /** Response messages received before the status. */
  readonly responses: number;
}

/** Options of one raw call. */
export interface RawCallOptions {
  /** Sent as `authorization: Bearer <apiKey>`. */
  readonly apiKey?: string;
  /** Sent as the `authorization` value itself (for malformed headers). */
  readonly authorization?: string;
  readonly deadlineMs?: number;
}

const identity = (bytes: Buffer): Buffer => bytes;

/**
 * A gRPC client that sends and receives raw bytes on any method path: requests are sent exactly as
 * given (garbage included), responses are only counted. No client-side message size limit.
 */
export class RawGrpcClient {
  private readonly client: Client;

  constructor(
    address: string,
    credentials: ChannelCredentials = channelCredentials.createInsecure(),
    options: ClientOptions = {},
  ) {
    this.client = new Client(address, credentials, {
      'grpc.max_send_message_length': -1,
      'grpc.max_receive_message_length': -1,
      ...options,
    });
  }

  /** Calls `method` with `messages` as its request bytes (one for unary and server-streaming methods). */
  call(method: DescMethod, messages: readonly Buffer[], options: RawCallOptions = {}): Promise<RawOutcome> {
    const path = `/${methodName(method)}`;
    const metadata = new Metadata();
    const authorization = options.authorization ?? (options.apiKey ? `Bearer ${options.apiKey}` : undefined);
    if (authorization !== undefined) metadata.set('authorization', authorization);
    const callOptions = options.deadlineMs !== undefined ? { deadline: Date.now() + options.deadlineMs } : {};
    const first = messages[0] ?? Buffer.alloc(0);
    return new Promise<RawOutcome>((resolve) => {
      let responses = 0;
      const done = (status: StatusObject): void =>
        resolve({
          code: status.code,
          details: status.details,
          detail: errorDetailFromTrailers(status.metadata),
          responses,
        });
      const count = (): void => {
        responses++;
      };
      const ignore = (): void => undefined;
      switch (method.methodKind) {
        case 'unary': {
          const call = this.client.makeUnaryRequest(
            path,
            identity,
            identity,
            first,
            metadata,
            callOptions,
            (_e, v) => {
              if (v) count();
            },
          );
          call.on('status', done);
          return;
        }
        case 'server_streaming': {
          const call = this.client.makeServerStreamRequest(
            path,
            identity,
            identity,
            first,
            metadata,
            callOptions,
          );
          call.on('data', count).on('error', ignore).on('status', done);
          return;
        }
        case 'client_streaming': {
          const call = this.client.makeClientStreamRequest(
            path,
            identity,
            identity,
            metadata,
            callOptions,
            (_e, v) => {
              if (v) count();
            },
          );
          call.on('status', done).on('error', ignore);
          for (const message of messages) call.write(message);
          call.end();
          return;
        }
        case 'bidi_streaming': {
          const call = this.client.makeBidiStreamRequest(path, identity, identity, metadata, callOptions);
          call.on('data', count).on('error', ignore).on('status', done);
          for (const message of messages) call.write(message);
          call.end();
          return;
        }
      }
    });
  }

  close(): void {
    this.client.close();
  }
}

/** What a hand-made HTTP/2 gRPC request got back. */
export interface Http2Outcome {
  /** HTTP status (200 for every gRPC answer). */
  readonly httpStatus: number | undefined;
  /** `grpc-status`, from the trailers (or trailers-only headers); undefined when there was none. */
  readonly code: Status | undefined;
  /** `grpc-message`, percent-decoded. */
  readonly details: string;
}

/** The 5-byte gRPC message prefix: compressed flag and big-endian length. */
export function grpcFramePrefix(compressedFlag: number, length: number): Buffer {
  const prefix = Buffer.alloc(5);
  prefix[0] = compressedFlag;
  prefix.writeUInt32BE(length >>> 0, 1);
  return prefix;
}

/**
 * POSTs `body` as the request stream of `method` over a fresh HTTP/2 connection, with the usual gRPC
 * headers (overridable), bypassing grpc-js framing: for truncated and garbage frames.
 */
export async function http2Call(
  address: string,
  method: DescMethod,
  body: Buffer,
  headers: Record<string, string> = {},
): Promise<Http2Outcome> {
  const session = connect(`http://${address}`);
  try {
    return await new Promise<Http2Outcome>((resolve, reject) => {
      session.once('error', reject);
      const request = session.request({
        ':method': 'POST',
        ':path': `/${methodName(method)}`,
        'content-type': 'application/grpc',
        te: 'trailers',
        ...headers,
      });
      let response: IncomingHttpHeaders = {};
      let trailers: IncomingHttpHeaders = {};
      request.on('response', (h: IncomingHttpHeaders) => {
        response = h;
      });
      request.on('trailers', (t: IncomingHttpHeaders) => {
        trailers = t;
      });
      request.on('data', () => undefined);
      request.once('error', reject);
      request.once('end', () => {
        const code = trailers['grpc-status'] ?? response['grpc-status'];
        const message = trailers['grpc-message'] ?? response['grpc-message'];
        resolve({
          httpStatus: response[':status'] === undefined ? undefined : Number(response[':status']),
          code: code === undefined ? undefined : Number(code),
          details: typeof message === 'string' ? decodeURIComponent(message) : '',
        });
      });
      request.end(body);
    });
  } finally {
    session.close();
  }
}
