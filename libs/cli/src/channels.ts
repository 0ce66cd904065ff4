import type { DescService } from '@bufbuild/protobuf';
import { createGrpcClient, type GrpcClient } from '@cairn/grpc';
import type { GlobalOptions } from './args/global-options.js';

/** The clients of one command line: one per service on the endpoint, all closed together. */
export class Channels {
  private readonly clients = new Map<string, GrpcClient<DescService>>();

  constructor(private readonly options: GlobalOptions) {}

  /** A client of `service`, created on first use, with the API key on every call. */
  client<S extends DescService>(service: S): GrpcClient<S> {
    let client = this.clients.get(service.typeName);
    if (!client) {
      client = createGrpcClient(service as DescService, this.options.endpoint, {
        ...this.options.clientOptions,
        ...(this.options.apiKey ? { apiKey: this.options.apiKey } : {}),
      });
      this.clients.set(service.typeName, client);
    }
    return client as unknown as GrpcClient<S>;
  }

  close(): void {
    for (const client of this.clients.values()) client.close();
    this.clients.clear();
  }
}
