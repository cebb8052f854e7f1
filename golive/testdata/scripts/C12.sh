#!/bin/sh
# C12: Bank trace notification; ledger early, available after clearing
#
# Requirement  C12 of matrix axys-v2 2026.12.1 (state-transitions; inferred
#              C12)
# When written missing: not seen: POST /cards/{cardId}/bank-deposit 2xx
#              where request.body.transactionAmount exists
# Produces     a traced bank transfer of 25000 seen in the ledger balance
#              first, then, after clearing, in the available balance
# Takes        up to about five business days of polling (5 s doubling up to
#              1 h)
# Simulation   POST /staging/kyc/validate (documented by Axys): forces the
#              KYC review's outcome (pass or fail)
#
# Run it through the sidecar, in front of Axys staging or the emulator:
#
#   EVIDENCE_PROXY_URL=http://127.0.0.1:8080 AXYS_API_KEY=<staging key> sh C12.sh
#
#   EVIDENCE_PROXY_URL  the sidecar's proxy listener (calls go to .../v2)
#   AXYS_API_KEY        the staging API key; set it empty (AXYS_API_KEY=)
#                       when the sidecar adds the key (serve --api-key)
#   AXYS_ENV            staging or unset; anything else is refused
#
# This script runs for hours: run-all.sh runs it only with --long. Run it
# alone, e.g. nohup sh C12.sh >C12.log 2>&1 &
#
# It refuses to run (exit 2, before any call) without these variables,
# against a production URL, or when the sidecar does not answer; it stops
# with a clear message (exit 1) when staging answers unexpectedly. Every
# call carries User-Agent: evidence-proxy-script/test (C12) and
# X-Evidence-Script: C12, so the coverage report tells its evidence from
# the app's.
#
# Written by evidence-proxy test, script catalogue 2026.12.1.

set -u
# shellcheck disable=SC2034 # read by lib.sh
EP_VERSION='test'
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
ep_init C12

# Clearing through correspondent banks takes up to about five business
# days; the balance is read with a growing interval (5 s up to 1 h) for up
# to eight days.
ep_card
ep_balance "$EP_CARD"
ledger=$EP_LEDGER available=$EP_AVAILABLE
ep_expect 2xx POST "/cards/$EP_CARD/bank-deposit" "{\"transactionAmount\":25000,\"transactionReference\":\"$EP_CARD-$EP_NONCE\"}"
ep_watch_balance "$EP_CARD" $((ledger + 25000)) "$available" 86400 60 ||
	ep_die 1 "card $EP_CARD: the trace did not reach ledgerBalance within a day (ledger $ledger -> $EP_LEDGER, available $available -> $EP_AVAILABLE)"
ep_watch_balance "$EP_CARD" $((ledger + 25000)) $((available + 25000)) 691200 3600 ||
	ep_die 1 "card $EP_CARD: availableBalance did not rise by 25000 within eight days"
ep_done "card $EP_CARD: a traced transfer of 25000 seen in ledgerBalance first, then, after clearing, in availableBalance"
