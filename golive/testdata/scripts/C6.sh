#!/bin/sh
# C6: Deposit addresses read from the card
#
# Requirement  C6 of matrix axys-v2 2026.12.1 (call-traces; inferred C6)
# When written missing: no call matched GET /cards/{cardId} 2xx where
#              response.body.cryptoAddresses[].address nonempty
# Produces     a card read with its deposit addresses
# Takes        under a minute
# Simulation   POST /staging/kyc/validate (documented by Axys): forces the
#              KYC review's outcome (pass or fail)
#
# Run it through the sidecar, in front of Axys staging or the emulator:
#
#   EVIDENCE_PROXY_URL=http://127.0.0.1:8080 AXYS_API_KEY=<staging key> sh C6.sh
#
#   EVIDENCE_PROXY_URL  the sidecar's proxy listener (calls go to .../v2)
#   AXYS_API_KEY        the staging API key; set it empty (AXYS_API_KEY=)
#                       when the sidecar adds the key (serve --api-key)
#   AXYS_ENV            staging or unset; anything else is refused
#
# It refuses to run (exit 2, before any call) without these variables,
# against a production URL, or when the sidecar does not answer; it stops
# with a clear message (exit 1) when staging answers unexpectedly. Every
# call carries User-Agent: evidence-proxy-script/test (C6) and
# X-Evidence-Script: C6, so the coverage report tells its evidence from
# the app's.
#
# Written by evidence-proxy test, script catalogue 2026.12.1.

set -u
# shellcheck disable=SC2034 # read by lib.sh
EP_VERSION='test'
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
ep_init C6

ep_card
ep_read_card "$EP_CARD"
ep_has_items cryptoAddresses || ep_die 1 "GET /cards/$EP_CARD shows no deposit addresses (cryptoAddresses empty)"
ep_done "card $EP_CARD read with its deposit addresses"
