import {
  getOption,
  hasOption,
  ScalarType,
  type DescEnum,
  type DescExtension,
  type DescField,
  type DescFile,
  type DescMessage,
  type DescMethod,
  type DescService,
  type FileRegistry,
} from '@bufbuild/protobuf';
import { nestedTypes } from '@bufbuild/protobuf/reflect';
import { anchor, cell, code, generatedBanner, prose, table } from './markdown.js';
import { cairnFiles, commentOf } from './proto-descriptors.js';

const REQUIRED_ROLE = 'cairn.common.v1.required_role';
const EVENT = 'cairn.common.v1.event';
const ROLE_ENUM = 'cairn.common.v1.Role';
// Field number of `syntax` in FileDescriptorProto: the comment on top of a file sits on it.
const FILE_SYNTAX = 12;

/** Extensions the reference reads from every file. */
interface Options {
  readonly requiredRole: DescExtension;
  readonly event: DescExtension;
  readonly roles: DescEnum;
}

/** Anchor id of a type in grpc.md: its full name. */
export function typeAnchor(typeName: string): string {
  return typeName;
}

/** Renders docs/reference/grpc.md: every Cairn package, service, RPC, message, field, enum and extension. */
export function renderGrpcReference(registry: FileRegistry): string {
  const options = readOptions(registry);
  const packages = new Map<string, DescFile[]>();
  for (const file of cairnFiles(registry)) {
    const name = file.proto.package;
    packages.set(name, [...(packages.get(name) ?? []), file]);
  }
  const out: string[] = [
    generatedBanner('the `.proto` files in `proto/`'),
    '',
    '# gRPC reference',
    '',
    'Every Cairn API and event payload, as declared (with its comments) in `proto/`. Each RPC needs an',
    'API key (`authorization: Bearer <key>`) of the tenant holding at least the role shown; see',
    '[the security model](../security.md). Messages are encoded as protobuf binary on gRPC; the JSON names',
    'are those of the protobuf JSON mapping (what `grpcurl -d` takes). Event payloads are described with',
    'their topics in [the event catalogue](events.md).',
    '',
    'Every process also serves `grpc.health.v1.Health` (`Check`, `Watch`; no API key needed) and gRPC server',
    'reflection (`grpc.reflection.v1.ServerReflection` and `grpc.reflection.v1alpha.ServerReflection`), as',
    'declared upstream (copies in `proto/grpc/`).',
    '',
    '## Packages',
    '',
  ];
  for (const [name, files] of packages) {
    const services = files
      .flatMap((file) => file.services)
      .map((s) => `[${s.name}](#${typeAnchor(s.typeName)})`);
    out.push(
      `- [${code(name)}](#${packageAnchor(name)})${services.length > 0 ? `: ${services.join(', ')}` : ''}`,
    );
  }
  for (const [name, files] of packages) out.push('', ...renderPackage(name, files, options));
  return `${out.join('\n')}\n`;
}

function packageAnchor(name: string): string {
  return `package-${name}`;
}

function readOptions(registry: FileRegistry): Options {
  const requiredRole = registry.getExtension(REQUIRED_ROLE);
  const event = registry.getExtension(EVENT);
  const roles = registry.getEnum(ROLE_ENUM);
  if (!requiredRole || !event || !roles)
    throw new Error(`proto/ lacks ${REQUIRED_ROLE}, ${EVENT} or ${ROLE_ENUM}: the reference needs them`);
  return { requiredRole, event, roles };
}

function renderPackage(name: string, files: readonly DescFile[], options: Options): string[] {
  const out = [anchor(packageAnchor(name)), '', `## ${code(name)}`, ''];
  for (const file of files) {
    out.push(
      `From ${code(`proto/${file.name}.proto`)}${fileComment(file) ? `: ${prose(fileComment(file))}` : '.'}`,
      '',
    );
  }
  for (const service of files.flatMap((file) => file.services)) out.push(...renderService(service, options));
  const types = files.flatMap((file) => [...nestedTypes(file)]);
  const messages = types.filter((t): t is DescMessage => t.kind === 'message');
  const enums = types.filter((t): t is DescEnum => t.kind === 'enum');
  const extensions = types.filter((t): t is DescExtension => t.kind === 'extension');
  if (messages.length > 0) {
    out.push(`### Messages of ${code(name)}`, '');
    for (const message of messages) out.push(...renderMessage(message, options));
  }
  if (enums.length > 0) {
    out.push(`### Enums of ${code(name)}`, '');
    for (const desc of enums) out.push(...renderEnum(desc));
  }
  if (extensions.length > 0) {
    out.push(`### Extensions of ${code(name)}`, '');
    out.push(
      table(
        ['Option', 'Extends', 'Number', 'Type', 'Description'],
        extensions.map((ext) => [
          code(`(${ext.typeName})`),
          code(ext.extendee.typeName),
          String(ext.number),
          fieldType(ext),
          cell(commentOf(ext)),
        ]),
      ),
      '',
    );
  }
  return out;
}

function fileComment(file: DescFile): string {
  const location = file.proto.sourceCodeInfo?.location.find(
    (candidate) => candidate.path.length === 1 && candidate.path[0] === FILE_SYNTAX,
  );
  const text = location?.leadingComments || location?.leadingDetachedComments.join('\n') || '';
  return text
    .split('\n')
    .map((line) => line.trim())
    .join(' ')
    .trim();
}

function renderService(service: DescService, options: Options): string[] {
  const out = [anchor(typeAnchor(service.typeName)), '', `### Service ${code(service.typeName)}`, ''];
  if (commentOf(service)) out.push(prose(commentOf(service)), '');
  out.push(
    table(
      ['RPC', 'Request', 'Response', 'Required role'],
      service.methods.map((method) => [
        `[${method.name}](#${typeAnchor(`${service.typeName}.${method.name}`)})`,
        streamed(
          method.methodKind === 'client_streaming' || method.methodKind === 'bidi_streaming',
          method.input,
        ),
        streamed(
          method.methodKind === 'server_streaming' || method.methodKind === 'bidi_streaming',
          method.output,
        ),
        code(requiredRole(method, options)),
      ]),
    ),
    '',
  );
  for (const method of service.methods) {
    out.push(
      anchor(typeAnchor(`${service.typeName}.${method.name}`)),
      '',
      `#### ${service.name}.${method.name}`,
      '',
    );
    out.push(
      `${code(`rpc ${method.name}(${method.methodKind === 'client_streaming' || method.methodKind === 'bidi_streaming' ? 'stream ' : ''}${method.input.name}) returns (${method.methodKind === 'server_streaming' || method.methodKind === 'bidi_streaming' ? 'stream ' : ''}${method.output.name})`)} — role ${code(requiredRole(method, options))}, ${methodKindText(method)}.`,
      '',
    );
    if (commentOf(method)) out.push(prose(commentOf(method)), '');
  }
  return out;
}

function methodKindText(method: DescMethod): string {
  switch (method.methodKind) {
    case 'unary':
      return 'unary';
    case 'server_streaming':
      return 'server streaming';
    case 'client_streaming':
      return 'client streaming';
    case 'bidi_streaming':
      return 'bidirectional streaming';
  }
}

function streamed(stream: boolean, message: DescMessage): string {
  return `${stream ? 'stream ' : ''}${typeLink(message.typeName)}`;
}

function requiredRole(method: DescMethod, options: Options): string {
  if (!hasOption(method, options.requiredRole)) return 'none declared';
  const value = getOption(method, options.requiredRole) as number;
  return options.roles.values.find((v) => v.number === value)?.name ?? String(value);
}

/** Anchor, heading (the name within the package) and comment of a message or enum. */
function typeHeading(desc: DescMessage | DescEnum): string[] {
  const out = [
    anchor(typeAnchor(desc.typeName)),
    '',
    `#### ${desc.typeName.slice(desc.file.proto.package.length + 1)}`,
    '',
  ];
  if (commentOf(desc)) out.push(prose(commentOf(desc)), '');
  return out;
}

function renderMessage(message: DescMessage, options: Options): string[] {
  const out = typeHeading(message);
  if (hasOption(message, options.event)) {
    const event = getOption(message, options.event) as { topic: string; keyField: string; ingress: boolean };
    out.push(
      `Event payload of ${code(event.topic)} (key ${code(event.keyField)}${event.ingress ? ', ingress' : ''}): see [the event catalogue](events.md#${event.topic}).`,
      '',
    );
  }
  if (message.fields.length === 0) {
    out.push('No fields.', '');
    return out;
  }
  out.push(
    table(
      ['Field', 'Number', 'Type', 'Label', 'JSON name', 'Description'],
      message.fields.map((field) => [
        code(field.name),
        String(field.number),
        fieldType(field),
        fieldLabel(field),
        code(field.jsonName),
        cell(fieldComment(field)),
      ]),
    ),
    '',
  );
  return out;
}

/** A field's own comment, prefixed with its oneof's when it is the first field of the oneof. */
function fieldComment(field: DescField): string {
  const own = commentOf(field);
  if (!field.oneof || field.oneof.fields[0] !== field || !commentOf(field.oneof)) return own;
  return `(oneof ${field.oneof.name}: ${commentOf(field.oneof)}) ${own}`;
}

function fieldLabel(field: DescField): string {
  if (field.fieldKind === 'list') return 'repeated';
  if (field.oneof) return `oneof ${code(field.oneof.name)}`;
  if (field.proto.proto3Optional) return 'optional';
  return '';
}

/** The type of a field or extension as written in a .proto file, linked when it is a Cairn type. */
function fieldType(field: DescField | DescExtension): string {
  const linked = field.message ?? field.enum;
  const map = field.fieldKind === 'map' ? `map<${scalarName(field.mapKey)}, ` : undefined;
  if (!linked) {
    const scalar = scalarName(field.scalar ?? ScalarType.BYTES);
    return code(map ? `${map}${scalar}>` : scalar);
  }
  return map ? `${code(map)}${typeLink(linked.typeName)}${code('>')}` : typeLink(linked.typeName);
}

function scalarName(scalar: ScalarType): string {
  return ScalarType[scalar].toLowerCase();
}

function typeLink(typeName: string): string {
  return typeName.startsWith('cairn.') ? `[${code(typeName)}](#${typeAnchor(typeName)})` : code(typeName);
}

function renderEnum(desc: DescEnum): string[] {
  const out = typeHeading(desc);
  out.push(
    table(
      ['Value', 'Number', 'Description'],
      desc.values.map((value) => [code(value.name), String(value.number), cell(commentOf(value))]),
    ),
    '',
  );
  return out;
}
