#!/bin/sh
# G1: /staging/* is never sent to production (the guard refuses it)
#
# Requirement  G1 of matrix axys-v2 2026.12.1 (call-traces; going-live
#              guard)
# When written missing: no call matched * /staging/* any where error.kind ==
#              "guard_refused" and error.message contains
#              "production.api.axyscards.com"
# Produces     the sidecar refusing to send a /staging call to production
#              (nothing reaches production)
# Takes        seconds
#
# Run it through the sidecar, in front of Axys staging or the emulator:
#
#   EVIDENCE_PROXY_URL=http://127.0.0.1:8080 AXYS_API_KEY=<staging key> sh G1.sh
#
#   EVIDENCE_PROXY_URL  the sidecar's proxy listener (calls go to .../v2)
#   AXYS_API_KEY        the staging API key; set it empty (AXYS_API_KEY=)
#                       when the sidecar adds the key (serve --api-key)
#   AXYS_ENV            staging or unset; anything else is refused
#
# It refuses to run (exit 2, before any call) without these variables,
# against a production URL, or when the sidecar does not answer; it stops
# with a clear message (exit 1) when staging answers unexpectedly. Every
# call carries User-Agent: evidence-proxy-script/test (G1) and
# X-Evidence-Script: G1, so the coverage report tells its evidence from
# the app's.
#
# Written by evidence-proxy test, script catalogue 2026.12.1.

set -u
# shellcheck disable=SC2034 # read by lib.sh
EP_VERSION='test'
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
ep_init G1

# The sidecar is asked to send a simulation call to production; it must
# refuse it itself. Nothing reaches production.
ep_guard_refuses POST http://production.api.axyscards.com/v2/staging/kyc/validate '{"cardholderId":1,"result":"pass"}'
ep_done "the sidecar refused to send POST /staging/kyc/validate to production (403 guard_refused)"
