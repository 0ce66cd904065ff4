#!/usr/bin/env node
// Generates libs/contracts from proto/: `buf generate` (protobuf-es, into libs/contracts/src/gen), then
// libs/contracts/src/index.ts (allFiles + eventSchemas). Run with `npm run proto:gen`.
import { relative } from 'node:path';
import { contractsSrcDir, generate, protoDir, repoRoot } from './proto-lib.mjs';

try {
  const { files, events } = await generate(protoDir, contractsSrcDir);
  const where = relative(repoRoot, contractsSrcDir);
  console.log(
    `proto-gen: ${files} files generated into ${where}/gen; ${events.length} event schemas in ${where}/index.ts`,
  );
} catch (error) {
  console.error(`proto-gen: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
