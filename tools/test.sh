#!/usr/bin/env bash
# The test command (`npm test`): type-check, lint (module boundaries included), then every spec
# in one Jest run against real Kafka and PostgreSQL (see libs/testing/src/infrastructure.ts).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
echo "== typecheck"
npx tsc -p tsconfig.json --noEmit
echo "== lint"
npx eslint --max-warnings=0 apps libs tools
echo "== tests"
npx jest --ci "$@"
