#!/bin/sh
# C11-expiry: Bank registration OTP expired, then registration requested again
#
# Requirement  C11-expiry of matrix axys-v2 2026.12.1 (error-handling;
#              inferred C11)
# When written missing: not seen: POST
#              /cardholders/{cardholderId}/register-bank-account 2xx
# Produces     a bank-account registration whose OTP expired, then
#              registered again
# Takes        under a minute
# Simulation   POST /staging/kyc/validate (documented by Axys): forces the
#              KYC review's outcome (pass or fail)
#              POST /staging/bank-accounts/{depositId}/expire
#              (evidence-proxy's emulator only): stands for the SMS OTP
#              running out, which takes minutes on Axys staging
#              Where an emulator-only endpoint answers 404 (Axys staging),
#              the script stops with exit status 3; do that step with the
#              simulation Axys documents for your program, then the rest by
#              hand.
#
# Run it through the sidecar, in front of Axys staging or the emulator:
#
#   EVIDENCE_PROXY_URL=http://127.0.0.1:8080 AXYS_API_KEY=<staging key> sh C11-expiry.sh
#
#   EVIDENCE_PROXY_URL  the sidecar's proxy listener (calls go to .../v2)
#   AXYS_API_KEY        the staging API key; set it empty (AXYS_API_KEY=)
#                       when the sidecar adds the key (serve --api-key)
#   AXYS_ENV            staging or unset; anything else is refused
#
# It refuses to run (exit 2, before any call) without these variables,
# against a production URL, or when the sidecar does not answer; it stops
# with a clear message (exit 1) when staging answers unexpectedly. Every
# call carries User-Agent: evidence-proxy-script/test (C11-expiry) and
# X-Evidence-Script: C11-expiry, so the coverage report tells its evidence from
# the app's.
#
# Written by evidence-proxy test, script catalogue 2026.12.1.

set -u
# shellcheck disable=SC2034 # read by lib.sh
EP_VERSION='test'
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
ep_init C11-expiry

ep_approved_cardholder
ep_expect 2xx POST "/cardholders/$EP_CARDHOLDER/register-bank-account" "$EP_BANK_ACCOUNT"
dep=$(ep_num depositId)
ep_need "$dep" "a depositId"
# The SMS OTP expires after minutes on Axys staging; the emulator expires
# it on request.
ep_sim POST "/staging/bank-accounts/$dep/expire"
[ "$(ep_str statusText)" = expired ] || ep_die 1 "registration $dep shows '$(ep_str statusText)' (expected expired)"
ep_expect 2xx POST "/cardholders/$EP_CARDHOLDER/register-bank-account" "$EP_BANK_ACCOUNT"
[ "$(ep_str statusText)" = pending ] || ep_die 1 "the new registration shows '$(ep_str statusText)' (expected pending)"
ep_done "cardholder $EP_CARDHOLDER: registration $dep expired, and registration requested again"
