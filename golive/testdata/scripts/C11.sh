#!/bin/sh
# C11: Sending bank account registered, pending the SMS confirmation
#
# Requirement  C11 of matrix axys-v2 2026.12.1 (call-traces; inferred C11)
# When written missing: no call matched POST
#              /cardholders/{cardholderId}/register-bank-account 2xx where
#              response.body.depositId nonempty and response.body.statusText
#              == "pending"
# Produces     a sending bank account registered, pending the cardholder's
#              SMS confirmation
# Takes        under a minute
# Simulation   POST /staging/kyc/validate (documented by Axys): forces the
#              KYC review's outcome (pass or fail)
#
# Run it through the sidecar, in front of Axys staging or the emulator:
#
#   EVIDENCE_PROXY_URL=http://127.0.0.1:8080 AXYS_API_KEY=<staging key> sh C11.sh
#
#   EVIDENCE_PROXY_URL  the sidecar's proxy listener (calls go to .../v2)
#   AXYS_API_KEY        the staging API key; set it empty (AXYS_API_KEY=)
#                       when the sidecar adds the key (serve --api-key)
#   AXYS_ENV            staging or unset; anything else is refused
#
# It refuses to run (exit 2, before any call) without these variables,
# against a production URL, or when the sidecar does not answer; it stops
# with a clear message (exit 1) when staging answers unexpectedly. Every
# call carries User-Agent: evidence-proxy-script/test (C11) and
# X-Evidence-Script: C11, so the coverage report tells its evidence from
# the app's.
#
# Written by evidence-proxy test, script catalogue 2026.12.1.

set -u
# shellcheck disable=SC2034 # read by lib.sh
EP_VERSION='test'
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
ep_init C11

ep_approved_cardholder
ep_expect 2xx POST "/cardholders/$EP_CARDHOLDER/register-bank-account" "$EP_BANK_ACCOUNT"
ep_need "$(ep_num depositId)" "a depositId"
[ "$(ep_str statusText)" = pending ] ||
	ep_die 1 "the registration answered statusText '$(ep_str statusText)' (expected pending, waiting for the SMS reply)"
ep_done "cardholder $EP_CARDHOLDER: sending bank account registered, pending the cardholder's SMS confirmation"
