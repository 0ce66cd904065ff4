import {
  create,
  createFileRegistry,
  setExtension,
  type DescMessage,
  type DescService,
  type Message,
} from '@bufbuild/protobuf';
import type { GenMessage, GenService } from '@bufbuild/protobuf/codegenv2';
import {
  FieldDescriptorProto_Label as Label,
  FieldDescriptorProto_Type as Type,
  FileDescriptorProtoSchema,
  MethodOptionsSchema,
  type FileDescriptorProto,
} from '@bufbuild/protobuf/wkt';
import { file_cairn_common_v1_options, required_role, Role } from '@cairn/contracts/cairn/common/v1/options';

/**
 * Test-only services built at runtime from a descriptor (no codegen): `cairn.grpctest.v1.EchoService`
 * has one method of each kind plus role variants, `PingService` is a second service for the Nest
 * test. Typed by hand the way protoc-gen-es would type them.
 */
const PKG = 'cairn.grpctest.v1';

function field(name: string, number: number, type: Type) {
  return { name, number, type, label: Label.OPTIONAL, jsonName: name };
}

function method(name: string, kind: { client?: boolean; server?: boolean }, role?: Role) {
  const options = create(MethodOptionsSchema);
  if (role !== undefined) setExtension(options, required_role, role);
  return {
    name,
    inputType: `.${PKG}.EchoRequest`,
    outputType: `.${PKG}.EchoResponse`,
    clientStreaming: kind.client ?? false,
    serverStreaming: kind.server ?? false,
    ...(role !== undefined ? { options } : {}),
  };
}

const fileProto: FileDescriptorProto = create(FileDescriptorProtoSchema, {
  name: 'cairn/grpctest/v1/echo.proto',
  package: PKG,
  syntax: 'proto3',
  dependency: ['cairn/common/v1/options.proto'],
  messageType: [
    {
      name: 'EchoRequest',
      field: [field('tenant', 1, Type.STRING), field('text', 2, Type.STRING), field('count', 3, Type.INT32)],
    },
    {
      name: 'EchoResponse',
      field: [
        field('tenant', 1, Type.STRING),
        field('text', 2, Type.STRING),
        field('principal', 3, Type.STRING),
      ],
    },
    { name: 'PingRequest', field: [field('text', 1, Type.STRING)] },
  ],
  service: [
    {
      name: 'EchoService',
      method: [
        method('Say', {}, Role.READER),
        method('Count', { server: true }, Role.READER),
        method('Collect', { client: true }),
        method('Chat', { client: true, server: true }, Role.WRITER),
        method('Purge', {}, Role.ADMIN),
      ],
    },
    {
      name: 'PingService',
      method: [
        {
          name: 'Ping',
          inputType: `.${PKG}.PingRequest`,
          outputType: `.${PKG}.EchoResponse`,
          options: (() => {
            const options = create(MethodOptionsSchema);
            setExtension(options, required_role, Role.READER);
            return options;
          })(),
        },
      ],
    },
  ],
});

const registry = createFileRegistry(fileProto, (name) =>
  name === file_cairn_common_v1_options.proto.name ? file_cairn_common_v1_options : undefined,
);

function mustGet<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`echo fixture: ${what} missing`);
  return value;
}

/** The fixture's file. */
export const file_cairn_grpctest_v1_echo = mustGet(registry.getFile(fileProto.name), 'file');

export type EchoRequest = Message<'cairn.grpctest.v1.EchoRequest'> & {
  tenant: string;
  text: string;
  count: number;
};
export type EchoResponse = Message<'cairn.grpctest.v1.EchoResponse'> & {
  tenant: string;
  text: string;
  principal: string;
};
export type PingRequest = Message<'cairn.grpctest.v1.PingRequest'> & { text: string };

export const EchoRequestSchema = mustGet<DescMessage>(
  registry.getMessage(`${PKG}.EchoRequest`),
  'EchoRequest',
) as GenMessage<EchoRequest>;
export const EchoResponseSchema = mustGet<DescMessage>(
  registry.getMessage(`${PKG}.EchoResponse`),
  'EchoResponse',
) as GenMessage<EchoResponse>;
export const PingRequestSchema = mustGet<DescMessage>(
  registry.getMessage(`${PKG}.PingRequest`),
  'PingRequest',
) as GenMessage<PingRequest>;

type EchoMethod<K extends 'unary' | 'server_streaming' | 'client_streaming' | 'bidi_streaming'> = {
  methodKind: K;
  input: typeof EchoRequestSchema;
  output: typeof EchoResponseSchema;
};

/** Say (unary, READER), Count (server stream, READER), Collect (client stream, no option), Chat (bidi, WRITER), Purge (unary, ADMIN). */
export const EchoService = mustGet<DescService>(
  registry.getService(`${PKG}.EchoService`),
  'EchoService',
) as GenService<{
  say: EchoMethod<'unary'>;
  count: EchoMethod<'server_streaming'>;
  collect: EchoMethod<'client_streaming'>;
  chat: EchoMethod<'bidi_streaming'>;
  purge: EchoMethod<'unary'>;
}>;

/** Ping (unary, READER). */
export const PingService = mustGet<DescService>(
  registry.getService(`${PKG}.PingService`),
  'PingService',
) as GenService<{
  ping: { methodKind: 'unary'; input: typeof PingRequestSchema; output: typeof EchoResponseSchema };
}>;
