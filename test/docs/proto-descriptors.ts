import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import {
  createFileRegistry,
  fromBinary,
  type AnyDesc,
  type DescFile,
  type FileRegistry,
} from '@bufbuild/protobuf';
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import { REPO_ROOT } from '../support/repo.js';

/**
 * The descriptors of proto/ with their source info (comments), built by the repository's buf. The
 * descriptors protobuf-es embeds in libs/contracts drop comments, so the reference is built from these.
 */
export function buildProtoRegistry(protoDir = join(REPO_ROOT, 'proto')): FileRegistry {
  const buf = join(REPO_ROOT, 'node_modules', '.bin', 'buf');
  // A file descriptor set keeps source info unless told otherwise (--exclude-source-info).
  const result = spawnSync(buf, ['build', protoDir, '--as-file-descriptor-set', '-o', '-#format=binpb'], {
    maxBuffer: 256 * 1024 * 1024,
  });
  if (result.error) throw new Error(`cannot run buf: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`buf build ${protoDir} failed:\n${result.stderr.toString()}`);
  return createFileRegistry(fromBinary(FileDescriptorSetSchema, result.stdout));
}

/** The files Cairn declares (`cairn/...`), in name order; imports such as google/protobuf are left out. */
export function cairnFiles(registry: FileRegistry): DescFile[] {
  return [...registry.files].filter((file) => file.name.startsWith('cairn/')).sort(byName);
}

function byName(a: DescFile, b: DescFile): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

// Field numbers of the descriptor.proto messages that make up a source path.
const FILE_MESSAGE_TYPE = 4;
const FILE_ENUM_TYPE = 5;
const FILE_SERVICE = 6;
const FILE_EXTENSION = 7;
const MESSAGE_FIELD = 2;
const MESSAGE_NESTED_TYPE = 3;
const MESSAGE_ENUM_TYPE = 4;
const MESSAGE_EXTENSION = 6;
const MESSAGE_ONEOF_DECL = 8;
const ENUM_VALUE = 2;
const SERVICE_METHOD = 2;

interface Located {
  readonly file: DescFile;
  readonly path: readonly number[];
}

const under = (parent: Located | undefined, field: number, index: number): Located | undefined =>
  parent && { file: parent.file, path: [...parent.path, field, index] };

/** The path of an element in its file's source info (see SourceCodeInfo.Location.path in descriptor.proto). */
function sourcePath(desc: AnyDesc): Located | undefined {
  switch (desc.kind) {
    case 'message':
      return desc.parent
        ? under(
            sourcePath(desc.parent),
            MESSAGE_NESTED_TYPE,
            desc.parent.proto.nestedType.indexOf(desc.proto),
          )
        : { file: desc.file, path: [FILE_MESSAGE_TYPE, desc.file.proto.messageType.indexOf(desc.proto)] };
    case 'enum':
      return desc.parent
        ? under(sourcePath(desc.parent), MESSAGE_ENUM_TYPE, desc.parent.proto.enumType.indexOf(desc.proto))
        : { file: desc.file, path: [FILE_ENUM_TYPE, desc.file.proto.enumType.indexOf(desc.proto)] };
    case 'extension':
      return desc.parent
        ? under(sourcePath(desc.parent), MESSAGE_EXTENSION, desc.parent.proto.extension.indexOf(desc.proto))
        : { file: desc.file, path: [FILE_EXTENSION, desc.file.proto.extension.indexOf(desc.proto)] };
    case 'field':
      return under(sourcePath(desc.parent), MESSAGE_FIELD, desc.parent.proto.field.indexOf(desc.proto));
    case 'oneof':
      return under(
        sourcePath(desc.parent),
        MESSAGE_ONEOF_DECL,
        desc.parent.proto.oneofDecl.indexOf(desc.proto),
      );
    case 'enum_value':
      return under(sourcePath(desc.parent), ENUM_VALUE, desc.parent.proto.value.indexOf(desc.proto));
    case 'service':
      return { file: desc.file, path: [FILE_SERVICE, desc.file.proto.service.indexOf(desc.proto)] };
    case 'rpc':
      return under(sourcePath(desc.parent), SERVICE_METHOD, desc.parent.proto.method.indexOf(desc.proto));
    case 'file':
      return undefined;
  }
}

/**
 * The comment of an element as written in its .proto file (the leading comment, else the trailing one),
 * without the comment markers; paragraphs are separated by an empty line. Empty when there is none.
 */
export function commentOf(desc: AnyDesc): string {
  const where = sourcePath(desc);
  if (!where) return '';
  const location = where.file.proto.sourceCodeInfo?.location.find(
    (candidate) =>
      candidate.path.length === where.path.length && candidate.path.every((n, i) => n === where.path[i]),
  );
  const text = location?.leadingComments || location?.trailingComments || '';
  return text
    .split('\n')
    .map((line) => line.replace(/^ /, '').trimEnd())
    .join('\n')
    .trim();
}
