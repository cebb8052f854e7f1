#!/bin/sh
# C5: PIN changed
#
# Requirement  C5 of matrix axys-v2 2026.12.1 (call-traces; inferred C5)
# When written missing: no call matched PUT /cards/{cardId}/pin 2xx
# Produces     a card's PIN changed from the one it was issued with (the
#              last four digits of its number)
# Takes        under a minute
# Simulation   POST /staging/kyc/validate (documented by Axys): forces the
#              KYC review's outcome (pass or fail)
#
# Run it through the sidecar, in front of Axys staging or the emulator:
#
#   EVIDENCE_PROXY_URL=http://127.0.0.1:8080 AXYS_API_KEY=<staging key> sh C5.sh
#
#   EVIDENCE_PROXY_URL  the sidecar's proxy listener (calls go to .../v2)
#   AXYS_API_KEY        the staging API key; set it empty (AXYS_API_KEY=)
#                       when the sidecar adds the key (serve --api-key)
#   AXYS_ENV            staging or unset; anything else is refused
#
# It refuses to run (exit 2, before any call) without these variables,
# against a production URL, or when the sidecar does not answer; it stops
# with a clear message (exit 1) when staging answers unexpectedly. Every
# call carries User-Agent: evidence-proxy-script/test (C5) and
# X-Evidence-Script: C5, so the coverage report tells its evidence from
# the app's.
#
# Written by evidence-proxy test, script catalogue 2026.12.1.

set -u
# shellcheck disable=SC2034 # read by lib.sh
EP_VERSION='test'
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
ep_init C5

ep_card
# The PIN a card is issued with is the last four digits of its number,
# which maskedCardNumber shows.
pin=$(printf '%s' "$EP_MASKED" | sed -n 's/.*\([0-9][0-9][0-9][0-9]\)$/\1/p')
ep_need "$pin" "a maskedCardNumber ending in four digits"
new=4321
[ "$pin" != "$new" ] || new=4322
ep_expect 2xx PUT "/cards/$EP_CARD/pin" "{\"currentPin\":\"$pin\",\"newPin\":\"$new\"}"
pin='' new=''
ep_done "card $EP_CARD: PIN changed from the one it was issued with"
