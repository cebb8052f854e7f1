#!/bin/sh
# C3: Invalid card status change refused
#
# Requirement  C3 of matrix axys-v2 2026.12.1 (error-handling; inferred C3)
# When written missing: part 1 of 2: no call matched PUT
#              /cards/{cardId}/status 409|422 where card.issuerCardStatus in
#              [0, 3, 4]
# Produces     closing a card through the API (newStatus 3) refused
# Takes        under a minute
# Simulation   POST /staging/kyc/validate (documented by Axys): forces the
#              KYC review's outcome (pass or fail)
#
# Run it through the sidecar, in front of Axys staging or the emulator:
#
#   EVIDENCE_PROXY_URL=http://127.0.0.1:8080 AXYS_API_KEY=<staging key> sh C3.sh
#
#   EVIDENCE_PROXY_URL  the sidecar's proxy listener (calls go to .../v2)
#   AXYS_API_KEY        the staging API key; set it empty (AXYS_API_KEY=)
#                       when the sidecar adds the key (serve --api-key)
#   AXYS_ENV            staging or unset; anything else is refused
#
# It refuses to run (exit 2, before any call) without these variables,
# against a production URL, or when the sidecar does not answer; it stops
# with a clear message (exit 1) when staging answers unexpectedly. Every
# call carries User-Agent: evidence-proxy-script/test (C3) and
# X-Evidence-Script: C3, so the coverage report tells its evidence from
# the app's.
#
# Written by evidence-proxy test, script catalogue 2026.12.1.

set -u
# shellcheck disable=SC2034 # read by lib.sh
EP_VERSION='test'
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
ep_init C3

ep_card
ep_expect '400|409|422' PUT "/cards/$EP_CARD/status" '{"newStatus":3}'
ep_done "closing card $EP_CARD through the API (newStatus 3) was refused with $EP_STATUS ($(ep_message))"
