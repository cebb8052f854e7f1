#!/bin/sh
# L1: Cardholder created with every required field
#
# Requirement  L1 of matrix axys-v2 2026.12.1 (call-traces; launch checklist
#              L1)
# When written missing: no call matched POST /cardholders 2xx where
#              response.body.cardholderId nonempty and
#              request.body.firstName exists and request.body.lastName
#              exists and request.body.emailAdr exists and
#              request.body.gender exists and request.body.nationality
#              exists and request.body.placeOfBirth exists and
#              request.body.dob exists and request.body.adrLine1 exists and
#              request.body.city exists and request.body.state exists and
#              request.body.country exists and request.body.zipCode exists
# Produces     a cardholder created with every required field
# Takes        seconds
#
# Run it through the sidecar, in front of Axys staging or the emulator:
#
#   EVIDENCE_PROXY_URL=http://127.0.0.1:8080 AXYS_API_KEY=<staging key> sh L1.sh
#
#   EVIDENCE_PROXY_URL  the sidecar's proxy listener (calls go to .../v2)
#   AXYS_API_KEY        the staging API key; set it empty (AXYS_API_KEY=)
#                       when the sidecar adds the key (serve --api-key)
#   AXYS_ENV            staging or unset; anything else is refused
#
# It refuses to run (exit 2, before any call) without these variables,
# against a production URL, or when the sidecar does not answer; it stops
# with a clear message (exit 1) when staging answers unexpectedly. Every
# call carries User-Agent: evidence-proxy-script/test (L1) and
# X-Evidence-Script: L1, so the coverage report tells its evidence from
# the app's.
#
# Written by evidence-proxy test, script catalogue 2026.12.1.

set -u
# shellcheck disable=SC2034 # read by lib.sh
EP_VERSION='test'
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
ep_init L1

ep_new_cardholder
ep_done "cardholder $EP_CARDHOLDER created with every required field"
