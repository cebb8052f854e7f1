#!/bin/sh
# L6: Physical card activated
#
# Requirement  L6 of matrix axys-v2 2026.12.1 (call-traces; launch checklist
#              L6)
# When written missing: missing: C1
# Produces     the evidence of C1, which this requirement requires: it runs
#              their scripts
#
# Run it through the sidecar, in front of Axys staging or the emulator:
#
#   EVIDENCE_PROXY_URL=http://127.0.0.1:8080 AXYS_API_KEY=<staging key> sh L6.sh
#
#   EVIDENCE_PROXY_URL  the sidecar's proxy listener (calls go to .../v2)
#   AXYS_API_KEY        the staging API key; set it empty (AXYS_API_KEY=)
#                       when the sidecar adds the key (serve --api-key)
#   AXYS_ENV            staging or unset; anything else is refused
#
# It refuses to run (exit 2, before any call) without these variables,
# against a production URL, or when the sidecar does not answer; it stops
# with a clear message (exit 1) when staging answers unexpectedly. Every
# call carries User-Agent: evidence-proxy-script/test (L6) and
# X-Evidence-Script: L6, so the coverage report tells its evidence from
# the app's.
#
# Written by evidence-proxy test, script catalogue 2026.12.1.

set -u
# shellcheck disable=SC2034 # read by lib.sh
EP_VERSION='test'
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
ep_init L6

# L6 is met when the requirements it requires are: their scripts run here.
dir=$(dirname "$0")
sh "$dir/C1.sh" || exit $?
ep_done "the evidence of C1"
