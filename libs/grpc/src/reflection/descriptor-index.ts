import { toBinary, type DescFile, type DescMessage } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';

/**
 * Every symbol of a set of protobuf-es files (and their imports), for server reflection: file by
 * name, file declaring a symbol, extensions by extendee.
 */
export class DescriptorIndex {
  private readonly files = new Map<string, DescFile>();
  private readonly symbols = new Map<string, DescFile>();
  private readonly extensions = new Map<string, Map<number, DescFile>>();
  private readonly encoded = new WeakMap<DescFile, Uint8Array>();

  /** Adds files and, transitively, the files they import. */
  add(...files: readonly DescFile[]): void {
    for (const file of files) this.addFile(file);
  }

  /** The file with this name (`grpc/health/v1/health.proto`). */
  fileByName(name: string): DescFile | undefined {
    return this.files.get(name);
  }

  /** The file declaring a fully-qualified symbol: message, field, enum, service, method, extension. */
  fileContainingSymbol(symbol: string): DescFile | undefined {
    const name = symbol.startsWith('.') ? symbol.slice(1) : symbol;
    return this.symbols.get(name);
  }

  /** The file declaring extension `number` of message `extendee`. */
  fileContainingExtension(extendee: string, number: number): DescFile | undefined {
    return this.extensions.get(extendee)?.get(number);
  }

  /** Field numbers of every known extension of `extendee`; undefined when the type is unknown. */
  extensionNumbersOf(extendee: string): number[] | undefined {
    if (!this.symbols.has(extendee)) return undefined;
    return [...(this.extensions.get(extendee)?.keys() ?? [])].sort((a, b) => a - b);
  }

  /** `file` and everything it imports, `file` first, each file once. */
  withDependencies(file: DescFile): DescFile[] {
    const ordered: DescFile[] = [];
    const seen = new Set<string>();
    const visit = (f: DescFile): void => {
      if (seen.has(f.proto.name)) return;
      seen.add(f.proto.name);
      ordered.push(f);
      f.dependencies.forEach(visit);
    };
    visit(file);
    return ordered;
  }

  /** The serialized google.protobuf.FileDescriptorProto of a file (cached). */
  encode(file: DescFile): Uint8Array {
    let bytes = this.encoded.get(file);
    if (!bytes) {
      bytes = toBinary(FileDescriptorProtoSchema, file.proto);
      this.encoded.set(file, bytes);
    }
    return bytes;
  }

  private addFile(file: DescFile): void {
    if (this.files.has(file.proto.name)) return;
    this.files.set(file.proto.name, file);
    const addMessage = (message: DescMessage): void => {
      this.symbols.set(message.typeName, file);
      for (const field of message.fields) this.symbols.set(`${message.typeName}.${field.name}`, file);
      message.nestedMessages.forEach(addMessage);
      for (const nested of message.nestedEnums) this.symbols.set(nested.typeName, file);
      for (const ext of message.nestedExtensions)
        this.addExtension(ext.typeName, ext.extendee.typeName, ext.number, file);
    };
    file.messages.forEach(addMessage);
    for (const e of file.enums) this.symbols.set(e.typeName, file);
    for (const ext of file.extensions)
      this.addExtension(ext.typeName, ext.extendee.typeName, ext.number, file);
    for (const service of file.services) {
      this.symbols.set(service.typeName, file);
      for (const method of service.methods) this.symbols.set(`${service.typeName}.${method.name}`, file);
    }
    file.dependencies.forEach((dependency) => this.addFile(dependency));
  }

  private addExtension(typeName: string, extendee: string, number: number, file: DescFile): void {
    this.symbols.set(typeName, file);
    let byNumber = this.extensions.get(extendee);
    if (!byNumber) this.extensions.set(extendee, (byNumber = new Map<number, DescFile>()));
    byNumber.set(number, file);
  }
}
