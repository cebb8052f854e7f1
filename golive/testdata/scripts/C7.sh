#!/bin/sh
# C7: Crypto deposit with natural timing; ledger first, then available
#
# Requirement  C7 of matrix axys-v2 2026.12.1 (error-handling; inferred C7)
# When written missing: not seen: POST /staging/deposits 2xx where
#              request.body.rail != "bank" and request.body.clearing !=
#              "instant"
# Produces     a crypto deposit of 100.00 seen in the card's ledger balance
#              first, then in its available balance
# Takes        minutes (the deposit's natural confirmation and finality)
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
#   EVIDENCE_PROXY_URL=http://127.0.0.1:8080 AXYS_API_KEY=<staging key> sh C7.sh
#
#   EVIDENCE_PROXY_URL  the sidecar's proxy listener (calls go to .../v2)
#   AXYS_API_KEY        the staging API key; set it empty (AXYS_API_KEY=)
#                       when the sidecar adds the key (serve --api-key)
#   AXYS_ENV            staging or unset; anything else is refused
#
# It refuses to run (exit 2, before any call) without these variables,
# against a production URL, or when the sidecar does not answer; it stops
# with a clear message (exit 1) when staging answers unexpectedly. Every
# call carries User-Agent: evidence-proxy-script/test (C7) and
# X-Evidence-Script: C7, so the coverage report tells its evidence from
# the app's.
#
# Written by evidence-proxy test, script catalogue 2026.12.1.

set -u
# shellcheck disable=SC2034 # read by lib.sh
EP_VERSION='test'
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
ep_init C7

# The balance is read before the deposit, then with a growing interval (2 s
# to 8 s): the ledger must rise by the amount while available stays, then
# available. When both rise between two reads the order is not seen, and
# the deposit is repeated (three times at most).
ep_card
ep_t=0
while [ "$ep_t" -lt 3 ]; do
	ep_t=$((ep_t + 1))
	ep_balance "$EP_CARD"
	ledger=$EP_LEDGER available=$EP_AVAILABLE
	ep_sim POST /staging/deposits "{\"cardId\":$EP_CARD,\"amount\":\"100.00\",\"rail\":\"crypto\"}"
	if ep_watch_balance "$EP_CARD" $((ledger + 10000)) "$available" 1800; then
		ep_watch_balance "$EP_CARD" $((ledger + 10000)) $((available + 10000)) 7200 ||
			ep_die 1 "card $EP_CARD: availableBalance did not rise by 10000 within 2 hours of the ledger"
		ep_done "card $EP_CARD: a crypto deposit of 100.00 seen in ledgerBalance first, then in availableBalance"
	fi
	if [ "$EP_LEDGER" != $((ledger + 10000)) ] || [ "$EP_AVAILABLE" != $((available + 10000)) ]; then
		ep_die 1 "card $EP_CARD: the balances moved unexpectedly (ledger $ledger -> $EP_LEDGER, available $available -> $EP_AVAILABLE)"
	fi
	ep_say "both balances rose between two reads; depositing again to see the ledger first"
done
ep_die 1 "three deposits reached both balances between two reads: staging clears faster than this script polls"
