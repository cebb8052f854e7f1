#!/bin/sh
# row-6: Edit of a compliance-locked field refused with 409
#
# Requirement  row-6 of matrix axys-v2 2026.12.1 (error-handling;
#              test-matrix row 6)
# When written missing: no call matched PUT /cardholders/{cardholderId} 409
#              where cardholder.status in [0, 1, 3]
# Produces     a cardholder under review whose last name edit is refused
#              with 409
# Takes        under a minute
#
# Run it through the sidecar, in front of Axys staging or the emulator:
#
#   EVIDENCE_PROXY_URL=http://127.0.0.1:8080 AXYS_API_KEY=<staging key> sh row-6.sh
#
#   EVIDENCE_PROXY_URL  the sidecar's proxy listener (calls go to .../v2)
#   AXYS_API_KEY        the staging API key; set it empty (AXYS_API_KEY=)
#                       when the sidecar adds the key (serve --api-key)
#   AXYS_ENV            staging or unset; anything else is refused
#
# It refuses to run (exit 2, before any call) without these variables,
# against a production URL, or when the sidecar does not answer; it stops
# with a clear message (exit 1) when staging answers unexpectedly. Every
# call carries User-Agent: evidence-proxy-script/test (row-6) and
# X-Evidence-Script: row-6, so the coverage report tells its evidence from
# the app's.
#
# Written by evidence-proxy test, script catalogue 2026.12.1.

set -u
# shellcheck disable=SC2034 # read by lib.sh
EP_VERSION='test'
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
ep_init row-6

ep_new_cardholder
ep_submit "$EP_CARDHOLDER"
ep_expect 409 PUT "/cardholders/$EP_CARDHOLDER" '{"lastName":"Smith"}'
ep_done "cardholder $EP_CARDHOLDER under review (status 3): editing its last name was refused with 409 ($(ep_message))"
