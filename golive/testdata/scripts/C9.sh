#!/bin/sh
# C9: Card spend recorded as a transaction and debited
#
# Requirement  C9 of matrix axys-v2 2026.12.1 (reconciliation; inferred C9)
# When written missing: part 1 of 2: not seen: POST
#              /staging/cards/{cardId}/spend 2xx where
#              response.body.transactionStatus in [1, 2, 3]
# Produces     a card funded, a spend listed as its own transaction, and the
#              available balance debited
# Takes        under a minute
# Simulation   POST /staging/kyc/validate (documented by Axys): forces the
#              KYC review's outcome (pass or fail)
#              POST /staging/deposits (evidence-proxy's emulator only): the
#              Axys docs describe an exact-deposit simulation but do not
#              show its path
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
#   EVIDENCE_PROXY_URL=http://127.0.0.1:8080 AXYS_API_KEY=<staging key> sh C9.sh
#
#   EVIDENCE_PROXY_URL  the sidecar's proxy listener (calls go to .../v2)
#   AXYS_API_KEY        the staging API key; set it empty (AXYS_API_KEY=)
#                       when the sidecar adds the key (serve --api-key)
#   AXYS_ENV            staging or unset; anything else is refused
#
# It refuses to run (exit 2, before any call) without these variables,
# against a production URL, or when the sidecar does not answer; it stops
# with a clear message (exit 1) when staging answers unexpectedly. Every
# call carries User-Agent: evidence-proxy-script/test (C9) and
# X-Evidence-Script: C9, so the coverage report tells its evidence from
# the app's.
#
# Written by evidence-proxy test, script catalogue 2026.12.1.

set -u
# shellcheck disable=SC2034 # read by lib.sh
EP_VERSION='test'
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
ep_init C9

ep_card
ep_fund "$EP_CARD" 100.00
ep_balance "$EP_CARD"
available=$EP_AVAILABLE
ep_sim POST "/staging/cards/$EP_CARD/spend" '{"amount":"12.34","merchantName":"Cafe de Flore","merchantCountry":"FR","merchantCurrency":"EUR","merchantAmount":"11.40"}'
txn=$(ep_str transId)
ep_need "$txn" "a transId"
case $(ep_num transactionStatus) in
1 | 2 | 3) ;;
*) ep_die 1 "the spend on card $EP_CARD was not approved (transactionStatus $(ep_num transactionStatus))" ;;
esac
ep_expect 2xx GET "/cards/transactions?cardId=$EP_CARD"
ep_body_has "\"transId\"[[:space:]]*:[[:space:]]*\"$txn\"" ||
	ep_die 1 "GET /cards/transactions?cardId=$EP_CARD does not list the spend's transaction $txn"
ep_balance "$EP_CARD"
[ "$EP_AVAILABLE" -lt "$available" ] ||
	ep_die 1 "card $EP_CARD: availableBalance did not fall after the spend ($available -> $EP_AVAILABLE)"
ep_done "card $EP_CARD: a spend listed as transaction $txn, and availableBalance debited ($available -> $EP_AVAILABLE)"
