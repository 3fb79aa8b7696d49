#!/usr/bin/env bash
# The test command (`npm test`): type-check, lint (module boundaries included), then every spec
# in one Jest run against real Kafka and PostgreSQL (see libs/testing/src/infrastructure.ts).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
echo "== typecheck"
npx tsc -p tsconfig.json --noEmit
# The dashboards generator resolves the Grafana SDK's subpath exports (node16 resolution).
npx tsc -p tools/dashboards/src/tsconfig.json --noEmit
npx tsc -p apps/conversation/web/tsconfig.json --noEmit
npx tsc -p apps/reporting/web/tsconfig.json --noEmit
npx tsc -p apps/gateway/web/tsconfig.json --noEmit
echo "== browser"
# The inbox test drives Debian's Chromium headless (playwright-core); install it when missing.
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Debian's chromium for the browser test"
    apt-get install -y --no-install-recommends chromium >/dev/null 2>&1 || { apt-get update >/dev/null 2>&1 && apt-get install -y --no-install-recommends chromium >/dev/null 2>&1; } || echo "could not install chromium"
  fi
fi
command -v chromium >/dev/null 2>&1 && echo "chromium: $(command -v chromium)" || echo "chromium: not available (the browser test will fail)"
# The README's curl examples are run by the npm start test; they read JSON with jq.
if ! command -v jq >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  apt-get install -y --no-install-recommends jq >/dev/null 2>&1 || { apt-get update >/dev/null 2>&1 && apt-get install -y --no-install-recommends jq >/dev/null 2>&1; } || echo "could not install jq"
fi
echo "== lint"
# The boundary rule reads Nx's project graph; build it first (no daemon, no cloud).
npx nx reset >/dev/null 2>&1 || true
npx nx show projects >/dev/null
npx prettier --check . || { echo "formatting: run \`npm run format\`"; exit 1; }
npx eslint --max-warnings=0 --ignore-pattern '**/lint-fixtures/**' apps libs tools
echo "== tests"
status=0
rm -f .cache/jest-results.json
npx jest --ci --json --outputFile=.cache/jest-results.json "$@" || status=$?
# One plain closing line, whatever the runner printed above it.
[ -f .cache/jest-results.json ] && node -e 'const r=require("./.cache/jest-results.json");console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed`)'
exit "$status"
