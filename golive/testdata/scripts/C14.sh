#!/bin/sh
# C14: Unsupported transfer direction (card to wallet) refused
#
# Requirement  C14 of matrix axys-v2 2026.12.1 (error-handling; inferred
#              C14)
# When written missing: part 1 of 2: no call matched POST /wallets/transfer
#              409|422 where request.body.sourceCardId exists
# Produces     a transfer from a card to a wallet refused
# Takes        under a minute
# Simulation   POST /staging/kyc/validate (documented by Axys): forces the
#              KYC review's outcome (pass or fail)
#
# Run it through the sidecar, in front of Axys staging or the emulator:
#
#   EVIDENCE_PROXY_URL=http://127.0.0.1:8080 AXYS_API_KEY=<staging key> sh C14.sh
#
#   EVIDENCE_PROXY_URL  the sidecar's proxy listener (calls go to .../v2)
#   AXYS_API_KEY        the staging API key; set it empty (AXYS_API_KEY=)
#                       when the sidecar adds the key (serve --api-key)
#   AXYS_ENV            staging or unset; anything else is refused
#
# It refuses to run (exit 2, before any call) without these variables,
# against a production URL, or when the sidecar does not answer; it stops
# with a clear message (exit 1) when staging answers unexpectedly. Every
# call carries User-Agent: evidence-proxy-script/test (C14) and
# X-Evidence-Script: C14, so the coverage report tells its evidence from
# the app's.
#
# Written by evidence-proxy test, script catalogue 2026.12.1.

set -u
# shellcheck disable=SC2034 # read by lib.sh
EP_VERSION='test'
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
ep_init C14

ep_card
ep_new_wallet Treasury
ep_expect '400|409|422' POST /wallets/transfer "{\"sourceCardId\":$EP_CARD,\"destinationType\":0,\"destinationId\":$EP_WALLET,\"amount\":100}"
ep_done "a transfer from card $EP_CARD to wallet $EP_WALLET was refused with $EP_STATUS ($(ep_message))"
