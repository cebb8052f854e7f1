#!/bin/sh
# row-8: Virtual card issued with deposit addresses, active at once
#
# Requirement  row-8 of matrix axys-v2 2026.12.1 (call-traces; test-matrix
#              row 8)
# When written missing: not seen: POST /cards/virtual/{cardholderId} 2xx
#              where response.body.cryptoAddresses[].address nonempty
# Produces     a virtual card issued with deposit addresses and read back
#              active
# Takes        under a minute
# Simulation   POST /staging/kyc/validate (documented by Axys): forces the
#              KYC review's outcome (pass or fail)
#
# Run it through the sidecar, in front of Axys staging or the emulator:
#
#   EVIDENCE_PROXY_URL=http://127.0.0.1:8080 AXYS_API_KEY=<staging key> sh row-8.sh
#
#   EVIDENCE_PROXY_URL  the sidecar's proxy listener (calls go to .../v2)
#   AXYS_API_KEY        the staging API key; set it empty (AXYS_API_KEY=)
#                       when the sidecar adds the key (serve --api-key)
#   AXYS_ENV            staging or unset; anything else is refused
#
# It refuses to run (exit 2, before any call) without these variables,
# against a production URL, or when the sidecar does not answer; it stops
# with a clear message (exit 1) when staging answers unexpectedly. Every
# call carries User-Agent: evidence-proxy-script/test (row-8) and
# X-Evidence-Script: row-8, so the coverage report tells its evidence from
# the app's.
#
# Written by evidence-proxy test, script catalogue 2026.12.1.

set -u
# shellcheck disable=SC2034 # read by lib.sh
EP_VERSION='test'
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
ep_init row-8

ep_card
ep_has_items cryptoAddresses || ep_die 1 "virtual card $EP_CARD was issued without deposit addresses (cryptoAddresses empty)"
ep_read_card "$EP_CARD"
[ "$EP_CARD_STATUS" = 1 ] || ep_die 1 "virtual card $EP_CARD shows issuerCardStatus $EP_CARD_STATUS (expected 1, active at once)"
ep_done "virtual card $EP_CARD issued with deposit addresses and read back active (issuerCardStatus 1)"
