import { RetrievalService } from '@cairn/contracts/cairn/retrieval/v1/retrieval';
import { GrpcService, type GrpcServiceImpl } from '@cairn/grpc';
import { notYetAvailable } from '@cairn/platform';

/** gRPC surface of the retrieval service. */
@GrpcService(RetrievalService)
export class RetrievalGrpcController implements GrpcServiceImpl<typeof RetrievalService> {
  async search(): Promise<never> {
    throw notYetAvailable('RetrievalService.Search');
  }

  async buildContext(): Promise<never> {
    throw notYetAvailable('RetrievalService.BuildContext');
  }
}
