import { create } from '@bufbuild/protobuf';
import {
  Distance,
  EmbeddingService,
  EmbedResponseSchema,
  GetModelResponseSchema,
  ModelInfoSchema,
  type EmbedRequest,
} from '@cairn/contracts/cairn/embedding/v1/embedding';
import { GrpcError, GrpcService, Status, type CallContext, type GrpcServiceImpl } from '@cairn/grpc';
import { EmbeddingRuntime } from '../indexing/embedding-runtime.js';

const MAX_TEXTS = 256;
/** Largest value of a proto `uint32`. */
const UINT32_MAX = 0xffff_ffff;

/** gRPC surface of the embedding service: query-time embeddings and the model in use. */
@GrpcService(EmbeddingService)
export class EmbeddingGrpcController implements GrpcServiceImpl<typeof EmbeddingService> {
  constructor(private readonly runtime: EmbeddingRuntime) {}

  async embed(request: EmbedRequest, context: CallContext) {
    if (request.texts.length === 0 || request.texts.length > MAX_TEXTS) {
      throw new GrpcError(Status.INVALID_ARGUMENT, `texts must hold 1 to ${MAX_TEXTS} entries`, {
        reason: 'INVALID_TEXTS',
        field: 'texts',
      });
    }
    const embedder = await this.runtime.embedder();
    if (request.model && request.model !== embedder.model.name) {
      throw new GrpcError(
        Status.NOT_FOUND,
        `model ${request.model} is not served here (this service runs ${embedder.model.name})`,
        {
          reason: 'MODEL_NOT_FOUND',
          field: 'model',
        },
      );
    }
    const vectors = await embedder.embed(request.texts, { signal: context.signal });
    return create(EmbedResponseSchema, {
      vectors: vectors.map((vector) => ({ values: Array.from(vector) })),
      model: embedder.model.name,
      dimension: embedder.model.dimension,
    });
  }

  async getModel() {
    const embedder = await this.runtime.embedder();
    return create(GetModelResponseSchema, {
      model: create(ModelInfoSchema, {
        name: embedder.model.name,
        dimension: embedder.model.dimension,
        // A provider without an input limit (hash) says MAX_SAFE_INTEGER, which a uint32 cannot carry.
        maxInputTokens: Math.min(embedder.model.maxTokens, UINT32_MAX),
        distance: Distance.COSINE,
        normalized: true,
      }),
    });
  }
}
