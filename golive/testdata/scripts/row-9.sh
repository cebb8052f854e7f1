#!/bin/sh
# row-9: Physical card issued, not activated (status 4)
#
# Requirement  row-9 of matrix axys-v2 2026.12.1 (call-traces; test-matrix
#              row 9)
# When written missing: not seen: POST /cards/assign/{cardholderId} 2xx
# Produces     a physical card issued on design slot 0 and read back not
#              activated
# Takes        under a minute
# Simulation   POST /staging/kyc/validate (documented by Axys): forces the
#              KYC review's outcome (pass or fail)
#
# Run it through the sidecar, in front of Axys staging or the emulator:
#
#   EVIDENCE_PROXY_URL=http://127.0.0.1:8080 AXYS_API_KEY=<staging key> sh row-9.sh
#
#   EVIDENCE_PROXY_URL  the sidecar's proxy listener (calls go to .../v2)
#   AXYS_API_KEY        the staging API key; set it empty (AXYS_API_KEY=)
#                       when the sidecar adds the key (serve --api-key)
#   AXYS_ENV            staging or unset; anything else is refused
#
# It refuses to run (exit 2, before any call) without these variables,
# against a production URL, or when the sidecar does not answer; it stops
# with a clear message (exit 1) when staging answers unexpectedly. Every
# call carries User-Agent: evidence-proxy-script/test (row-9) and
# X-Evidence-Script: row-9, so the coverage report tells its evidence from
# the app's.
#
# Written by evidence-proxy test, script catalogue 2026.12.1.

set -u
# shellcheck disable=SC2034 # read by lib.sh
EP_VERSION='test'
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
ep_init row-9

ep_approved_cardholder
ep_physical_card "$EP_CARDHOLDER"
ep_read_card "$EP_CARD"
[ "$EP_CARD_STATUS" = 4 ] || ep_die 1 "physical card $EP_CARD shows issuerCardStatus $EP_CARD_STATUS (expected 4, not activated)"
ep_done "physical card $EP_CARD issued on design slot 0 and read back not activated (issuerCardStatus 4)"
