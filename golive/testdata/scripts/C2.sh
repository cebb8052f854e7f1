#!/bin/sh
# C2: Card blocked and unblocked (1 → 2 → 1)
#
# Requirement  C2 of matrix axys-v2 2026.12.1 (state-transitions; inferred
#              C2)
# When written missing: not seen: PUT /cards/{cardId}/status 2xx where
#              request.body.newStatus == 2
# Produces     a card blocked, read on hold, unblocked and read back active
# Takes        under a minute
# Simulation   POST /staging/kyc/validate (documented by Axys): forces the
#              KYC review's outcome (pass or fail)
#
# Run it through the sidecar, in front of Axys staging or the emulator:
#
#   EVIDENCE_PROXY_URL=http://127.0.0.1:8080 AXYS_API_KEY=<staging key> sh C2.sh
#
#   EVIDENCE_PROXY_URL  the sidecar's proxy listener (calls go to .../v2)
#   AXYS_API_KEY        the staging API key; set it empty (AXYS_API_KEY=)
#                       when the sidecar adds the key (serve --api-key)
#   AXYS_ENV            staging or unset; anything else is refused
#
# It refuses to run (exit 2, before any call) without these variables,
# against a production URL, or when the sidecar does not answer; it stops
# with a clear message (exit 1) when staging answers unexpectedly. Every
# call carries User-Agent: evidence-proxy-script/test (C2) and
# X-Evidence-Script: C2, so the coverage report tells its evidence from
# the app's.
#
# Written by evidence-proxy test, script catalogue 2026.12.1.

set -u
# shellcheck disable=SC2034 # read by lib.sh
EP_VERSION='test'
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
ep_init C2

ep_card
ep_expect 2xx PUT "/cards/$EP_CARD/status" '{"newStatus":2}'
ep_read_card "$EP_CARD"
[ "$EP_CARD_STATUS" = 2 ] || ep_die 1 "card $EP_CARD shows issuerCardStatus $EP_CARD_STATUS after the block (expected 2, on hold)"
ep_expect 2xx PUT "/cards/$EP_CARD/status" '{"newStatus":1}'
ep_read_card "$EP_CARD"
[ "$EP_CARD_STATUS" = 1 ] || ep_die 1 "card $EP_CARD shows issuerCardStatus $EP_CARD_STATUS after the unblock (expected 1, active)"
ep_done "card $EP_CARD blocked (read on hold, 2) and unblocked (read active, 1)"
