import { IngestionService } from '@cairn/contracts/cairn/ingestion/v1/ingestion';
import { GrpcService, type GrpcServiceImpl } from '@cairn/grpc';
import { notYetAvailable } from '@cairn/platform';

/** gRPC surface of the ingestion service. */
@GrpcService(IngestionService)
export class IngestionGrpcController implements GrpcServiceImpl<typeof IngestionService> {
  async ingest(): Promise<never> {
    throw notYetAvailable('IngestionService.Ingest');
  }

  async ingestStream(): Promise<never> {
    throw notYetAvailable('IngestionService.IngestStream');
  }

  async deleteDocument(): Promise<never> {
    throw notYetAvailable('IngestionService.DeleteDocument');
  }

  async getDocument(): Promise<never> {
    throw notYetAvailable('IngestionService.GetDocument');
  }

  async listDocuments(): Promise<never> {
    throw notYetAvailable('IngestionService.ListDocuments');
  }
}
