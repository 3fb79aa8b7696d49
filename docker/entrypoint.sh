#!/bin/sh
# Starts the service named by $APP with tracing preloaded (it must patch http/pg first).
set -eu
: "${APP:?set APP to one of call-ingest decision sms-dispatch conversation compliance reporting gateway}"
exec node --require /app/libs/telemetry/src/source-maps.preload.cjs --require @swc-node/register --require /app/libs/telemetry/src/otel.preload.ts "/app/apps/${APP}/src/main.ts"
