#!/usr/bin/env bash
# test-deps.sh installs what the test suite needs when it is missing:
# Debian's chromium (coverage report rendering), prometheus and promtool
# (deploy checks), the npm HAR validator (bundle checks), the real clients
# the proxy drives through HTTPS_PROXY mode (curl, Python requests, Node with
# undici, Java's HttpClient and keytool) and jq for its access log. It is
# idempotent and quiet when everything is there. It also installs the
# OpenTelemetry JS log exporter the events tests export OTLP/JSON with.
set -euo pipefail
cd "$(dirname "$0")/.."

sudo=""
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null; then sudo=sudo; fi

missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v promtool >/dev/null || missing+=(prometheus)
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
# golive's test scripts run with curl under dash and are linted by shellcheck.
command -v curl >/dev/null || missing+=(curl)
command -v dash >/dev/null || missing+=(dash)
command -v shellcheck >/dev/null || missing+=(shellcheck)
command -v curl >/dev/null || missing+=(curl)
command -v jq >/dev/null || missing+=(jq)
{ command -v java >/dev/null && command -v keytool >/dev/null; } || missing+=(openjdk-17-jdk-headless)
python3 -c 'import requests' 2>/dev/null || /usr/bin/python3 -c 'import requests' 2>/dev/null || missing+=(python3-requests)
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

nodeclient=proxy/testdata/clients/node
if [ -f "$nodeclient/package.json" ] && [ ! -d "$nodeclient/node_modules" ]; then
  echo "test-deps: installing undici for the proxy's Node client test (npm)" >&2
  (cd "$nodeclient" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi
