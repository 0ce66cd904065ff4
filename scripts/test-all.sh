#!/usr/bin/env bash
# Command (b) of the README: installs everything the tests need on a fresh machine
# (Kafka from its Maven Central artifacts, PostgreSQL and kcat from Debian, grpcurl from its Go module,
# the npm workspace on Node 24), checks the contracts and the code, and runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
step() { printf '\n== %s (%ss)\n' "$1" "$(($(date +%s) - started))"; }

step "test dependencies"
bash scripts/setup-test-deps.sh

step "npm ci (Node 24 from the node@24 package)"
npm ci --no-audit --no-fund
export PATH="$PWD/node_modules/.bin:$PATH"
node --version

step "build"
npm run build

step "checks: buf lint, generated code and docs up to date, buf breaking, eslint, prettier"
npm run check

step "tests"
npm test

step "done"
