#!/bin/sh
# E401: 401 handled (missing or invalid API key, not repeated)
#
# Requirement  E401 of matrix axys-v2 2026.12.1 (error-handling; error-code
#              list)
# When written missing: no call answered * * 401
# Produces     a call with an invalid API key answered 401 and not sent
#              again
# Takes        seconds
#
# Run it through the sidecar, in front of Axys staging or the emulator:
#
#   EVIDENCE_PROXY_URL=http://127.0.0.1:8080 AXYS_API_KEY=<staging key> sh E401.sh
#
#   EVIDENCE_PROXY_URL  the sidecar's proxy listener (calls go to .../v2)
#   AXYS_API_KEY        the staging API key; set it empty (AXYS_API_KEY=)
#                       when the sidecar adds the key (serve --api-key)
#   AXYS_ENV            staging or unset; anything else is refused
#
# It refuses to run (exit 2, before any call) without these variables,
# against a production URL, or when the sidecar does not answer; it stops
# with a clear message (exit 1) when staging answers unexpectedly. Every
# call carries User-Agent: evidence-proxy-script/test (E401) and
# X-Evidence-Script: E401, so the coverage report tells its evidence from
# the app's.
#
# Written by evidence-proxy test, script catalogue 2026.12.1.

set -u
# shellcheck disable=SC2034 # read by lib.sh
EP_VERSION='test'
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
ep_init E401

# A key that cannot be valid, sent instead of the real one.
ep_use_key "not-a-key-$EP_NONCE"
ep_expect 401 GET '/cardholders?limit=1'
ep_done "a call with an invalid API key answered 401 ($(ep_message)) and was not sent again"
