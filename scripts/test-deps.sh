#!/usr/bin/env bash
# test-deps.sh installs what the test suite needs when it is missing:
# Debian's chromium (coverage report rendering), prometheus and promtool
# (deploy checks) and the npm HAR validator (bundle checks). It is idempotent
# and quiet when everything is there. It also installs the OpenTelemetry JS
# log exporter the events tests export OTLP/JSON with.
set -euo pipefail
cd "$(dirname "$0")/.."

sudo=""
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null; then sudo=sudo; fi

missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v promtool >/dev/null || missing+=(prometheus)
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "test-deps: installing ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

harcheck=export/testdata/harcheck
if [ -f "$harcheck/package.json" ] && [ ! -d "$harcheck/node_modules" ]; then
  echo "test-deps: installing the HAR validator (npm)" >&2
  (cd "$harcheck" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi

otlpjs=events/testdata/otlpjs
if [ -f "$otlpjs/package.json" ] && [ ! -d "$otlpjs/node_modules" ]; then
  echo "test-deps: installing the OpenTelemetry JS exporter (npm)" >&2
  (cd "$otlpjs" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi
