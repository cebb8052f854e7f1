#!/bin/sh
# C1: Physical card activated (4 → 1)
#
# Requirement  C1 of matrix axys-v2 2026.12.1 (state-transitions; inferred
#              C1)
# When written missing: not seen: observe card.issuerCardStatus == 4
# Produces     a physical card read not activated, activated with the
#              details on its plastic, and read back active
# Takes        under a minute
# Simulation   POST /staging/kyc/validate (documented by Axys): forces the
#              KYC review's outcome (pass or fail)
#              GET /staging/cards/{cardId}/sensitive (evidence-proxy's
#              emulator only): stands for the cardholder reading the
#              plastic; Axys documents no staging equivalent
#              Where an emulator-only endpoint answers 404 (Axys staging),
#              the script stops with exit status 3; do that step with the
#              simulation Axys documents for your program, then the rest by
#              hand.
#
# Run it through the sidecar, in front of Axys staging or the emulator:
#
#   EVIDENCE_PROXY_URL=http://127.0.0.1:8080 AXYS_API_KEY=<staging key> sh C1.sh
#
#   EVIDENCE_PROXY_URL  the sidecar's proxy listener (calls go to .../v2)
#   AXYS_API_KEY        the staging API key; set it empty (AXYS_API_KEY=)
#                       when the sidecar adds the key (serve --api-key)
#   AXYS_ENV            staging or unset; anything else is refused
#
# It refuses to run (exit 2, before any call) without these variables,
# against a production URL, or when the sidecar does not answer; it stops
# with a clear message (exit 1) when staging answers unexpectedly. Every
# call carries User-Agent: evidence-proxy-script/test (C1) and
# X-Evidence-Script: C1, so the coverage report tells its evidence from
# the app's.
#
# Written by evidence-proxy test, script catalogue 2026.12.1.

set -u
# shellcheck disable=SC2034 # read by lib.sh
EP_VERSION='test'
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
ep_init C1

ep_approved_cardholder
ep_physical_card "$EP_CARDHOLDER"
ep_read_card "$EP_CARD"
[ "$EP_CARD_STATUS" = 4 ] || ep_die 1 "physical card $EP_CARD shows issuerCardStatus $EP_CARD_STATUS (expected 4, not activated)"
# What the cardholder reads off the plastic (the emulator's; the sidecar
# records it redacted). Kept in shell variables only, never printed.
ep_sim GET "/staging/cards/$EP_CARD/sensitive"
pan=$(ep_str cardNumber)
cvv=$(ep_str cvv | sed 's/^0*\(.\)/\1/')
month=$(ep_num expMonth)
year=$(ep_num expYear)
ep_need "$pan$cvv" "the card's number and CVV"
ep_expect 2xx PUT "/cards/$EP_CARD/activate" "{\"cardNumber\":$pan,\"expMonth\":$month,\"expYear\":$year,\"cvv\":$cvv,\"newPin\":1234}"
pan='' cvv=''
ep_read_card "$EP_CARD"
[ "$EP_CARD_STATUS" = 1 ] || ep_die 1 "card $EP_CARD shows issuerCardStatus $EP_CARD_STATUS after activation (expected 1)"
ep_done "physical card $EP_CARD read not activated (4), activated, and read back active (1)"
