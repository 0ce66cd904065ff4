import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { FactoryProvider } from '@nestjs/common';
import { WordPieceTokenizer } from '@cairn/embeddings';
import type { TokenCounter } from '@cairn/ingestion-domain';
import { PLATFORM_CONFIG } from '@cairn/platform';
import type { IngestionConfig } from '../ingestion.config.js';

/** Injection token of the chunker's token counter (the embedding model's own tokenizer). */
export const TOKEN_COUNTER = Symbol('TOKEN_COUNTER');

/** Chunks are sized in tokens of the embedding model's WordPiece vocabulary. */
export const tokenCounterProvider: FactoryProvider<TokenCounter> = {
  provide: TOKEN_COUNTER,
  inject: [PLATFORM_CONFIG],
  useFactory: (config: IngestionConfig) => {
    const vocabFile = config.ingestion.vocabFile ?? join(config.modelDir, 'vocab.txt');
    if (!existsSync(vocabFile)) {
      throw new Error(
        `no WordPiece vocabulary at ${vocabFile}: run scripts/fetch-model.sh or set CAIRN_INGESTION_VOCAB_FILE / CAIRN_MODEL_DIR`,
      );
    }
    const tokenizer = WordPieceTokenizer.fromVocabFile(vocabFile);
    return (text: string) => tokenizer.countTokens(text);
  },
};
