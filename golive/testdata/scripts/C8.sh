#!/bin/sh
# C8: Exact deposit through the simulation raises the balance
#
# Requirement  C8 of matrix axys-v2 2026.12.1 (state-transitions; inferred
#              C8)
# When written missing: not seen: POST /staging/deposits 2xx where
#              request.body.amount exists
# Produces     an exact deposit of 10.00 raising the card's ledger balance
#              by 1000
# Takes        under a minute
# Simulation   POST /staging/kyc/validate (documented by Axys): forces the
#              KYC review's outcome (pass or fail)
#              POST /staging/deposits (evidence-proxy's emulator only): the
#              Axys docs describe an exact-deposit simulation but do not
#              show its path
#              Where an emulator-only endpoint answers 404 (Axys staging),
#              the script stops with exit status 3; do that step with the
#              simulation Axys documents for your program, then the rest by
#              hand.
#
# Run it through the sidecar, in front of Axys staging or the emulator:
#
#   EVIDENCE_PROXY_URL=http://127.0.0.1:8080 AXYS_API_KEY=<staging key> sh C8.sh
#
#   EVIDENCE_PROXY_URL  the sidecar's proxy listener (calls go to .../v2)
#   AXYS_API_KEY        the staging API key; set it empty (AXYS_API_KEY=)
#                       when the sidecar adds the key (serve --api-key)
#   AXYS_ENV            staging or unset; anything else is refused
#
# It refuses to run (exit 2, before any call) without these variables,
# against a production URL, or when the sidecar does not answer; it stops
# with a clear message (exit 1) when staging answers unexpectedly. Every
# call carries User-Agent: evidence-proxy-script/test (C8) and
# X-Evidence-Script: C8, so the coverage report tells its evidence from
# the app's.
#
# Written by evidence-proxy test, script catalogue 2026.12.1.

set -u
# shellcheck disable=SC2034 # read by lib.sh
EP_VERSION='test'
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
ep_init C8

ep_card
ep_balance "$EP_CARD"
ledger=$EP_LEDGER
ep_sim POST /staging/deposits "{\"cardId\":$EP_CARD,\"amount\":\"10.00\",\"rail\":\"bank\",\"clearing\":\"instant\"}"
ep_balance "$EP_CARD"
[ "$EP_LEDGER" = $((ledger + 1000)) ] ||
	ep_die 1 "card $EP_CARD: ledgerBalance went from $ledger to $EP_LEDGER after a deposit of 10.00 (expected +1000)"
ep_done "card $EP_CARD: an exact deposit of 10.00 raised ledgerBalance by 1000"
