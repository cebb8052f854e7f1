#!/bin/sh
# C10: Declined spend seen as a declined transaction
#
# Requirement  C10 of matrix axys-v2 2026.12.1 (error-handling; inferred
#              C10)
# When written missing: not seen: POST /staging/cards/{cardId}/spend 2xx
#              where response.body.transactionStatus == 4
# Produces     a spend above the card's balance declined, and listed as a
#              declined transaction
# Takes        under a minute
# Simulation   POST /staging/kyc/validate (documented by Axys): forces the
#              KYC review's outcome (pass or fail)
#              POST /staging/cards/{cardId}/spend (evidence-proxy's emulator
#              only): the Axys docs describe a card-spend simulation but do
#              not show its path
#              Where an emulator-only endpoint answers 404 (Axys staging),
#              the script stops with exit status 3; do that step with the
#              simulation Axys documents for your program, then the rest by
#              hand.
#
# Run it through the sidecar, in front of Axys staging or the emulator:
#
#   EVIDENCE_PROXY_URL=http://127.0.0.1:8080 AXYS_API_KEY=<staging key> sh C10.sh
#
#   EVIDENCE_PROXY_URL  the sidecar's proxy listener (calls go to .../v2)
#   AXYS_API_KEY        the staging API key; set it empty (AXYS_API_KEY=)
#                       when the sidecar adds the key (serve --api-key)
#   AXYS_ENV            staging or unset; anything else is refused
#
# It refuses to run (exit 2, before any call) without these variables,
# against a production URL, or when the sidecar does not answer; it stops
# with a clear message (exit 1) when staging answers unexpectedly. Every
# call carries User-Agent: evidence-proxy-script/test (C10) and
# X-Evidence-Script: C10, so the coverage report tells its evidence from
# the app's.
#
# Written by evidence-proxy test, script catalogue 2026.12.1.

set -u
# shellcheck disable=SC2034 # read by lib.sh
EP_VERSION='test'
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
ep_init C10

ep_card
ep_sim POST "/staging/cards/$EP_CARD/spend" '{"amount":"5000.00"}'
txn=$(ep_str transId)
ep_need "$txn" "a transId"
[ "$(ep_num transactionStatus)" = 4 ] ||
	ep_die 1 "a spend of 5000.00 on an empty card was not declined (transactionStatus $(ep_num transactionStatus))"
ep_expect 2xx GET "/cards/transactions?cardId=$EP_CARD&status=4"
ep_body_has "\"transId\"[[:space:]]*:[[:space:]]*\"$txn\"" ||
	ep_die 1 "GET /cards/transactions?cardId=$EP_CARD&status=4 does not list the declined transaction $txn"
ep_done "card $EP_CARD: a spend above its balance declined, and listed as declined transaction $txn"
