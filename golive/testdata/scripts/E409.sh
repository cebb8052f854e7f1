#!/bin/sh
# E409: 409 handled (state conflict, not repeated)
#
# Requirement  E409 of matrix axys-v2 2026.12.1 (error-handling; error-code
#              list)
# When written missing: no call answered * * 409
# Produces     activating an active card answered 409 and not sent again
# Takes        under a minute
# Simulation   POST /staging/kyc/validate (documented by Axys): forces the
#              KYC review's outcome (pass or fail)
#
# Run it through the sidecar, in front of Axys staging or the emulator:
#
#   EVIDENCE_PROXY_URL=http://127.0.0.1:8080 AXYS_API_KEY=<staging key> sh E409.sh
#
#   EVIDENCE_PROXY_URL  the sidecar's proxy listener (calls go to .../v2)
#   AXYS_API_KEY        the staging API key; set it empty (AXYS_API_KEY=)
#                       when the sidecar adds the key (serve --api-key)
#   AXYS_ENV            staging or unset; anything else is refused
#
# It refuses to run (exit 2, before any call) without these variables,
# against a production URL, or when the sidecar does not answer; it stops
# with a clear message (exit 1) when staging answers unexpectedly. Every
# call carries User-Agent: evidence-proxy-script/test (E409) and
# X-Evidence-Script: E409, so the coverage report tells its evidence from
# the app's.
#
# Written by evidence-proxy test, script catalogue 2026.12.1.

set -u
# shellcheck disable=SC2034 # read by lib.sh
EP_VERSION='test'
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
ep_init E409

ep_card
# Activating a card that is already active is a state conflict.
ep_expect 409 PUT "/cards/$EP_CARD/activate" '{"cardNumber":4111111111111111,"expMonth":1,"expYear":2030,"cvv":123,"newPin":1234}'
ep_done "activating active card $EP_CARD answered 409 ($(ep_message)) and was not sent again"
