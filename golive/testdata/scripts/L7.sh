#!/bin/sh
# L7: Balance polling sees a balance change
#
# Requirement  L7 of matrix axys-v2 2026.12.1 (call-traces; launch checklist
#              L7)
# When written missing: no repeated GET /cards/{cardId}/balance 2xx of one
#              card
# Produces     a card's balance polled with a growing interval until a
#              deposit changes it
# Takes        minutes (the deposit's natural confirmation)
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
#   EVIDENCE_PROXY_URL=http://127.0.0.1:8080 AXYS_API_KEY=<staging key> sh L7.sh
#
#   EVIDENCE_PROXY_URL  the sidecar's proxy listener (calls go to .../v2)
#   AXYS_API_KEY        the staging API key; set it empty (AXYS_API_KEY=)
#                       when the sidecar adds the key (serve --api-key)
#   AXYS_ENV            staging or unset; anything else is refused
#
# It refuses to run (exit 2, before any call) without these variables,
# against a production URL, or when the sidecar does not answer; it stops
# with a clear message (exit 1) when staging answers unexpectedly. Every
# call carries User-Agent: evidence-proxy-script/test (L7) and
# X-Evidence-Script: L7, so the coverage report tells its evidence from
# the app's.
#
# Written by evidence-proxy test, script catalogue 2026.12.1.

set -u
# shellcheck disable=SC2034 # read by lib.sh
EP_VERSION='test'
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
ep_init L7

# Two reads before the deposit, then reads with a growing interval (2 s to
# 8 s) until a balance changes.
ep_card
ep_balance "$EP_CARD"
ledger=$EP_LEDGER available=$EP_AVAILABLE
sleep 2
ep_balance "$EP_CARD"
ep_sim POST /staging/deposits "{\"cardId\":$EP_CARD,\"amount\":\"100.00\",\"rail\":\"crypto\"}"
d=2 waited=0
while [ "$EP_LEDGER" = "$ledger" ] && [ "$EP_AVAILABLE" = "$available" ]; do
	[ "$waited" -lt 1800 ] || ep_die 1 "card $EP_CARD: no balance changed within 30 min of the deposit"
	sleep "$d"
	waited=$((waited + d))
	ep_balance "$EP_CARD"
	d=$((d * 2))
	[ "$d" -le 8 ] || d=8
done
ep_done "card $EP_CARD: balance polled until it changed (ledger $ledger -> $EP_LEDGER, available $available -> $EP_AVAILABLE)"
