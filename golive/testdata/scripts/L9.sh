#!/bin/sh
# L9: Card blocked and unblocked
#
# Requirement  L9 of matrix axys-v2 2026.12.1 (call-traces; launch checklist
#              L9)
# When written missing: missing: C2
# Produces     the evidence of C2, which this requirement requires: it runs
#              their scripts
#
# Run it through the sidecar, in front of Axys staging or the emulator:
#
#   EVIDENCE_PROXY_URL=http://127.0.0.1:8080 AXYS_API_KEY=<staging key> sh L9.sh
#
#   EVIDENCE_PROXY_URL  the sidecar's proxy listener (calls go to .../v2)
#   AXYS_API_KEY        the staging API key; set it empty (AXYS_API_KEY=)
#                       when the sidecar adds the key (serve --api-key)
#   AXYS_ENV            staging or unset; anything else is refused
#
# It refuses to run (exit 2, before any call) without these variables,
# against a production URL, or when the sidecar does not answer; it stops
# with a clear message (exit 1) when staging answers unexpectedly. Every
# call carries User-Agent: evidence-proxy-script/test (L9) and
# X-Evidence-Script: L9, so the coverage report tells its evidence from
# the app's.
#
# Written by evidence-proxy test, script catalogue 2026.12.1.

set -u
# shellcheck disable=SC2034 # read by lib.sh
EP_VERSION='test'
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
ep_init L9

# L9 is met when the requirements it requires are: their scripts run here.
dir=$(dirname "$0")
sh "$dir/C2.sh" || exit $?
ep_done "the evidence of C2"
