#!/bin/sh
# C17: Every error code handled
#
# Requirement  C17 of matrix axys-v2 2026.12.1 (error-handling; inferred
#              C17)
# When written missing: missing: E400, E401, E403-ip, E403-key, E404, E409,
#              E422, E429, E5xx
# Produces     the evidence of E400, E401, E403-ip, E403-key, E404, E409,
#              E422, E429, E5xx, which this requirement requires: it runs
#              their scripts
#
# Run it through the sidecar, in front of Axys staging or the emulator:
#
#   EVIDENCE_PROXY_URL=http://127.0.0.1:8080 AXYS_API_KEY=<staging key> sh C17.sh
#
#   EVIDENCE_PROXY_URL  the sidecar's proxy listener (calls go to .../v2)
#   AXYS_API_KEY        the staging API key; set it empty (AXYS_API_KEY=)
#                       when the sidecar adds the key (serve --api-key)
#   AXYS_ENV            staging or unset; anything else is refused
#
# It refuses to run (exit 2, before any call) without these variables,
# against a production URL, or when the sidecar does not answer; it stops
# with a clear message (exit 1) when staging answers unexpectedly. Every
# call carries User-Agent: evidence-proxy-script/test (C17) and
# X-Evidence-Script: C17, so the coverage report tells its evidence from
# the app's.
#
# Written by evidence-proxy test, script catalogue 2026.12.1.

set -u
# shellcheck disable=SC2034 # read by lib.sh
EP_VERSION='test'
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
ep_init C17

# C17 is met when the requirements it requires are: their scripts run here.
dir=$(dirname "$0")
sh "$dir/E400.sh" || exit $?
sh "$dir/E401.sh" || exit $?
sh "$dir/E403-ip.sh" || exit $?
sh "$dir/E403-key.sh" || exit $?
sh "$dir/E404.sh" || exit $?
sh "$dir/E409.sh" || exit $?
sh "$dir/E422.sh" || exit $?
sh "$dir/E429.sh" || exit $?
sh "$dir/E5xx.sh" || exit $?
ep_done "the evidence of E400, E401, E403-ip, E403-key, E404, E409, E422, E429, E5xx"
