#!/bin/sh
# E404: 404 handled (unknown id, not repeated)
#
# Requirement  E404 of matrix axys-v2 2026.12.1 (error-handling; error-code
#              list)
# When written missing: no call answered * * 404
# Produces     an unknown cardholder answered 404 and not asked for again
# Takes        seconds
#
# Run it through the sidecar, in front of Axys staging or the emulator:
#
#   EVIDENCE_PROXY_URL=http://127.0.0.1:8080 AXYS_API_KEY=<staging key> sh E404.sh
#
#   EVIDENCE_PROXY_URL  the sidecar's proxy listener (calls go to .../v2)
#   AXYS_API_KEY        the staging API key; set it empty (AXYS_API_KEY=)
#                       when the sidecar adds the key (serve --api-key)
#   AXYS_ENV            staging or unset; anything else is refused
#
# It refuses to run (exit 2, before any call) without these variables,
# against a production URL, or when the sidecar does not answer; it stops
# with a clear message (exit 1) when staging answers unexpectedly. Every
# call carries User-Agent: evidence-proxy-script/test (E404) and
# X-Evidence-Script: E404, so the coverage report tells its evidence from
# the app's.
#
# Written by evidence-proxy test, script catalogue 2026.12.1.

set -u
# shellcheck disable=SC2034 # read by lib.sh
EP_VERSION='test'
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
ep_init E404

ep_expect 404 GET "/cardholders/9$EP_NONCE"
ep_done "an unknown cardholder answered 404 ($(ep_message)) and was not asked for again"
