#!/usr/bin/env bash
# The test command (`npm test`): type-check, lint (module boundaries included), then every spec
# in one Jest run against real Kafka and PostgreSQL (see libs/testing/src/infrastructure.ts).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
echo "== typecheck"
npx tsc -p tsconfig.json --noEmit
# The dashboards generator resolves the Grafana SDK's subpath exports (node16 resolution).
npx tsc -p tools/dashboards/src/tsconfig.json --noEmit
echo "== lint"
# The boundary rule reads Nx's project graph; build it first (no daemon, no cloud).
npx nx reset >/dev/null 2>&1 || true
npx nx show projects >/dev/null
npx eslint --max-warnings=0 --ignore-pattern '**/lint-fixtures/**' apps libs tools
echo "== tests"
status=0
rm -f .cache/jest-results.json
npx jest --ci --json --outputFile=.cache/jest-results.json "$@" || status=$?
# One plain closing line, whatever the runner printed above it.
[ -f .cache/jest-results.json ] && node -e 'const r=require("./.cache/jest-results.json");console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed`)'
exit "$status"
