#!/bin/sh
# E403-key: Refusal of the API key told apart from the allowlist 403
#
# Requirement  E403-key of matrix axys-v2 2026.12.1 (error-handling;
#              error-code list)
# When written missing: no call answered * * 401 or * * 403 where
#              response.body not contains "No Authorised IPs configured"
# Produces     an invalid API key refused, told apart from the allowlist 403
# Takes        seconds
#
# Run it through the sidecar, in front of Axys staging or the emulator:
#
#   EVIDENCE_PROXY_URL=http://127.0.0.1:8080 AXYS_API_KEY=<staging key> sh E403-key.sh
#
#   EVIDENCE_PROXY_URL  the sidecar's proxy listener (calls go to .../v2)
#   AXYS_API_KEY        the staging API key; set it empty (AXYS_API_KEY=)
#                       when the sidecar adds the key (serve --api-key)
#   AXYS_ENV            staging or unset; anything else is refused
#
# It refuses to run (exit 2, before any call) without these variables,
# against a production URL, or when the sidecar does not answer; it stops
# with a clear message (exit 1) when staging answers unexpectedly. Every
# call carries User-Agent: evidence-proxy-script/test (E403-key) and
# X-Evidence-Script: E403-key, so the coverage report tells its evidence from
# the app's.
#
# Written by evidence-proxy test, script catalogue 2026.12.1.

set -u
# shellcheck disable=SC2034 # read by lib.sh
EP_VERSION='test'
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
ep_init E403-key

# A key that cannot be valid: the refusal of the key is a 401 (or a 403)
# without the allowlist message, told apart from the allowlist 403.
ep_use_key "not-a-key-$EP_NONCE"
ep_expect '401|403' GET '/cardholders?limit=2'
case $EP_BODY in
*'No Authorised IPs configured'*) ep_die 1 "the invalid key was answered with the allowlist 403: the calling IP is not allowlisted, so the key's refusal cannot be seen" ;;
esac
ep_done "an invalid API key refused with $EP_STATUS ($(ep_message)), told apart from the allowlist 403"
