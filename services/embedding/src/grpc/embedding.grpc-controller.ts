import { EmbeddingService } from '@cairn/contracts/cairn/embedding/v1/embedding';
import { GrpcService, type GrpcServiceImpl } from '@cairn/grpc';
import { notYetAvailable } from '@cairn/platform';

/** gRPC surface of the embedding service. */
@GrpcService(EmbeddingService)
export class EmbeddingGrpcController implements GrpcServiceImpl<typeof EmbeddingService> {
  async embed(): Promise<never> {
    throw notYetAvailable('EmbeddingService.Embed');
  }

  async getModel(): Promise<never> {
    throw notYetAvailable('EmbeddingService.GetModel');
  }
}
