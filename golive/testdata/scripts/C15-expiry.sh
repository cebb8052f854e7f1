#!/bin/sh
# C15-expiry: Expired 3-D Secure OTP followed by a new request for the same card
#
# Requirement  C15-expiry of matrix axys-v2 2026.12.1 (error-handling;
#              inferred C15)
# When written missing: not seen: GET /otp/{token} 2xx where
#              response.body.status == "expired"
# Produces     an OTP seen expired, then a new one asked for and read as
#              received
# Takes        under a minute
# Simulation   POST /staging/kyc/validate (documented by Axys): forces the
#              KYC review's outcome (pass or fail)
#              POST /staging/cards/{cardId}/3ds-challenge (evidence-proxy's
#              emulator only): stands for a card-not-present purchase asking
#              for an OTP
#              Where an emulator-only endpoint answers 404 (Axys staging),
#              the script stops with exit status 3; do that step with the
#              simulation Axys documents for your program, then the rest by
#              hand.
#
# Run it through the sidecar, in front of Axys staging or the emulator:
#
#   EVIDENCE_PROXY_URL=http://127.0.0.1:8080 AXYS_API_KEY=<staging key> sh C15-expiry.sh
#
#   EVIDENCE_PROXY_URL  the sidecar's proxy listener (calls go to .../v2)
#   AXYS_API_KEY        the staging API key; set it empty (AXYS_API_KEY=)
#                       when the sidecar adds the key (serve --api-key)
#   AXYS_ENV            staging or unset; anything else is refused
#
# It refuses to run (exit 2, before any call) without these variables,
# against a production URL, or when the sidecar does not answer; it stops
# with a clear message (exit 1) when staging answers unexpectedly. Every
# call carries User-Agent: evidence-proxy-script/test (C15-expiry) and
# X-Evidence-Script: C15-expiry, so the coverage report tells its evidence from
# the app's.
#
# Written by evidence-proxy test, script catalogue 2026.12.1.

set -u
# shellcheck disable=SC2034 # read by lib.sh
EP_VERSION='test'
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
ep_init C15-expiry

ep_card
ep_expect 2xx POST /otp/listeners "{\"cardId\":$EP_CARD}"
token=$(ep_str token)
ep_need "$token" "a token"
ep_sim POST "/staging/cards/$EP_CARD/3ds-challenge" '{"expiresInSeconds":5}'
sleep 6
ep_expect 2xx GET "/otp/$token"
[ "$(ep_str status)" = expired ] || ep_die 1 "the OTP shows status '$(ep_str status)' 6 s after a 5 s challenge (expected expired)"
ep_sim POST "/staging/cards/$EP_CARD/3ds-challenge" '{}'
ep_expect 2xx GET "/otp/$token"
[ "$(ep_str status)" = received ] || ep_die 1 "the new OTP shows status '$(ep_str status)' (expected received)"
ep_done "card $EP_CARD: an OTP seen expired, then a new one asked for and read as received"
