#!/bin/sh
# row-2: Compliance decline, then the KYC link refreshed
#
# Requirement  row-2 of matrix axys-v2 2026.12.1 (error-handling;
#              test-matrix row 2)
# When written missing: not seen: POST /staging/kyc/validate 2xx where
#              request.body.result == "fail"
# Produces     a cardholder submitted, declined with the documented KYC
#              simulation, read back in status 2, and its KYC link refreshed
# Takes        under a minute
# Simulation   POST /staging/kyc/validate (documented by Axys): forces the
#              KYC review's outcome (pass or fail)
#
# Run it through the sidecar, in front of Axys staging or the emulator:
#
#   EVIDENCE_PROXY_URL=http://127.0.0.1:8080 AXYS_API_KEY=<staging key> sh row-2.sh
#
#   EVIDENCE_PROXY_URL  the sidecar's proxy listener (calls go to .../v2)
#   AXYS_API_KEY        the staging API key; set it empty (AXYS_API_KEY=)
#                       when the sidecar adds the key (serve --api-key)
#   AXYS_ENV            staging or unset; anything else is refused
#
# It refuses to run (exit 2, before any call) without these variables,
# against a production URL, or when the sidecar does not answer; it stops
# with a clear message (exit 1) when staging answers unexpectedly. Every
# call carries User-Agent: evidence-proxy-script/test (row-2) and
# X-Evidence-Script: row-2, so the coverage report tells its evidence from
# the app's.
#
# Written by evidence-proxy test, script catalogue 2026.12.1.

set -u
# shellcheck disable=SC2034 # read by lib.sh
EP_VERSION='test'
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
ep_init row-2

ep_forced_cardholder fail
ep_expect 2xx POST "/cardholders/$EP_CARDHOLDER/kyc-url/refresh"
ep_need "$(ep_str applicationLink)" "a new applicationLink"
ep_done "cardholder $EP_CARDHOLDER declined with POST /staging/kyc/validate, read back in status 2, and its KYC link refreshed"
