#!/bin/sh
# E400: 400 handled (malformed request, not repeated)
#
# Requirement  E400 of matrix axys-v2 2026.12.1 (error-handling; error-code
#              list)
# When written missing: no call answered * * 400
# Produces     a malformed body answered 400 and not sent again
# Takes        seconds
#
# Run it through the sidecar, in front of Axys staging or the emulator:
#
#   EVIDENCE_PROXY_URL=http://127.0.0.1:8080 AXYS_API_KEY=<staging key> sh E400.sh
#
#   EVIDENCE_PROXY_URL  the sidecar's proxy listener (calls go to .../v2)
#   AXYS_API_KEY        the staging API key; set it empty (AXYS_API_KEY=)
#                       when the sidecar adds the key (serve --api-key)
#   AXYS_ENV            staging or unset; anything else is refused
#
# It refuses to run (exit 2, before any call) without these variables,
# against a production URL, or when the sidecar does not answer; it stops
# with a clear message (exit 1) when staging answers unexpectedly. Every
# call carries User-Agent: evidence-proxy-script/test (E400) and
# X-Evidence-Script: E400, so the coverage report tells its evidence from
# the app's.
#
# Written by evidence-proxy test, script catalogue 2026.12.1.

set -u
# shellcheck disable=SC2034 # read by lib.sh
EP_VERSION='test'
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
ep_init E400

ep_expect 400 POST /cardholders "{\"firstName\":\"Jordan-$EP_NONCE"
ep_done "a malformed body answered 400 ($(ep_message)) and was not sent again"
