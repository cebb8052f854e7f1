#!/bin/sh
# row-3: Re-submission after a decline, polled until approved
#
# Requirement  row-3 of matrix axys-v2 2026.12.1 (state-transitions;
#              test-matrix row 3)
# When written missing: not seen: POST /staging/kyc/validate 2xx where
#              request.body.result == "fail"
# Produces     a declined cardholder re-submitted through the KYC link
#              refresh, approved, and read back in status 1
# Takes        under a minute
# Simulation   POST /staging/kyc/validate (documented by Axys): forces the
#              KYC review's outcome (pass or fail)
#
# Run it through the sidecar, in front of Axys staging or the emulator:
#
#   EVIDENCE_PROXY_URL=http://127.0.0.1:8080 AXYS_API_KEY=<staging key> sh row-3.sh
#
#   EVIDENCE_PROXY_URL  the sidecar's proxy listener (calls go to .../v2)
#   AXYS_API_KEY        the staging API key; set it empty (AXYS_API_KEY=)
#                       when the sidecar adds the key (serve --api-key)
#   AXYS_ENV            staging or unset; anything else is refused
#
# It refuses to run (exit 2, before any call) without these variables,
# against a production URL, or when the sidecar does not answer; it stops
# with a clear message (exit 1) when staging answers unexpectedly. Every
# call carries User-Agent: evidence-proxy-script/test (row-3) and
# X-Evidence-Script: row-3, so the coverage report tells its evidence from
# the app's.
#
# Written by evidence-proxy test, script catalogue 2026.12.1.

set -u
# shellcheck disable=SC2034 # read by lib.sh
EP_VERSION='test'
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
ep_init row-3

ep_forced_cardholder fail
ep_expect 2xx POST "/cardholders/$EP_CARDHOLDER/kyc-url/refresh"
ep_read_cardholder "$EP_CARDHOLDER"
[ "$EP_HOLDER_STATUS" = 3 ] ||
	ep_die 1 "cardholder $EP_CARDHOLDER is in status $EP_HOLDER_STATUS after the refresh (expected 3, under review again)"
ep_force "$EP_CARDHOLDER" pass ||
	ep_die 1 "the second review of cardholder $EP_CARDHOLDER ended by itself before it could be forced; run the script again"
ep_read_cardholder "$EP_CARDHOLDER"
[ "$EP_HOLDER_STATUS" = 1 ] ||
	ep_die 1 "cardholder $EP_CARDHOLDER shows status $EP_HOLDER_STATUS after the forced pass (expected 1)"
ep_done "cardholder $EP_CARDHOLDER declined, re-submitted through the KYC link refresh, approved and read back in status 1"
