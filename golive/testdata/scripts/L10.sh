#!/bin/sh
# L10: Card alias and limit updated
#
# Requirement  L10 of matrix axys-v2 2026.12.1 (call-traces; launch
#              checklist L10)
# When written missing: part 1 of 2: no call matched PUT
#              /cards/{cardId}/update 2xx where request.body.alias exists
# Produces     a card's alias and limit updated
# Takes        under a minute
# Simulation   POST /staging/kyc/validate (documented by Axys): forces the
#              KYC review's outcome (pass or fail)
#
# Run it through the sidecar, in front of Axys staging or the emulator:
#
#   EVIDENCE_PROXY_URL=http://127.0.0.1:8080 AXYS_API_KEY=<staging key> sh L10.sh
#
#   EVIDENCE_PROXY_URL  the sidecar's proxy listener (calls go to .../v2)
#   AXYS_API_KEY        the staging API key; set it empty (AXYS_API_KEY=)
#                       when the sidecar adds the key (serve --api-key)
#   AXYS_ENV            staging or unset; anything else is refused
#
# It refuses to run (exit 2, before any call) without these variables,
# against a production URL, or when the sidecar does not answer; it stops
# with a clear message (exit 1) when staging answers unexpectedly. Every
# call carries User-Agent: evidence-proxy-script/test (L10) and
# X-Evidence-Script: L10, so the coverage report tells its evidence from
# the app's.
#
# Written by evidence-proxy test, script catalogue 2026.12.1.

set -u
# shellcheck disable=SC2034 # read by lib.sh
EP_VERSION='test'
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
ep_init L10

ep_card
ep_expect 2xx PUT "/cards/$EP_CARD/update" '{"alias":"Travel","transactionLimit":50000}'
ep_done "card $EP_CARD: alias and limit updated"
