#!/usr/bin/env node
// A stand-in for Qdrant on 127.0.0.1 for the local topology when no real Qdrant is given (QDRANT_URL):
// the in-memory fake of @cairn/vector-store/testing, which checks every request and response against
// Qdrant's OpenAPI document. Prints `QDRANT_URL=<url>`; on SIGTERM prints what broke the contract, if
// anything, and exits 0 (none) or 1. Needs `npm run build`.
import { FakeQdrantServer } from '@cairn/vector-store/testing';

const fake = await FakeQdrantServer.start();
process.stdout.write(`QDRANT_URL=${fake.url}\n`);
process.once('SIGTERM', () => {
  void fake.stop().then(() => {
    for (const violation of fake.violations)
      process.stdout.write(`violation: ${JSON.stringify(violation)}\n`);
    process.exit(fake.violations.length === 0 ? 0 : 1);
  });
});
