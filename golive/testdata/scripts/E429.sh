#!/bin/sh
# E429: 429 handled (retried after Retry-After)
#
# Requirement  E429 of matrix axys-v2 2026.12.1 (error-handling; error-code
#              list)
# When written missing: no call answered * * 429
# Produces     a 429 retried after the wait Retry-After asks, then answered
#              200
# Takes        seconds
# Simulation   POST /staging/faults (evidence-proxy's emulator only): forces
#              the status of the next answer; Axys staging has no equivalent
#              Where an emulator-only endpoint answers 404 (Axys staging),
#              the script stops with exit status 3; do that step with the
#              simulation Axys documents for your program, then the rest by
#              hand.
#
# Run it through the sidecar, in front of Axys staging or the emulator:
#
#   EVIDENCE_PROXY_URL=http://127.0.0.1:8080 AXYS_API_KEY=<staging key> sh E429.sh
#
#   EVIDENCE_PROXY_URL  the sidecar's proxy listener (calls go to .../v2)
#   AXYS_API_KEY        the staging API key; set it empty (AXYS_API_KEY=)
#                       when the sidecar adds the key (serve --api-key)
#   AXYS_ENV            staging or unset; anything else is refused
#
# It refuses to run (exit 2, before any call) without these variables,
# against a production URL, or when the sidecar does not answer; it stops
# with a clear message (exit 1) when staging answers unexpectedly. Every
# call carries User-Agent: evidence-proxy-script/test (E429) and
# X-Evidence-Script: E429, so the coverage report tells its evidence from
# the app's.
#
# Written by evidence-proxy test, script catalogue 2026.12.1.

set -u
# shellcheck disable=SC2034 # read by lib.sh
EP_VERSION='test'
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
ep_init E429

# Axys staging answers 429 past its rate limit (not documented); the
# emulator forces one. ep_call waits as Retry-After asks and retries.
ep_sim POST /staging/faults '{"status":429}'
ep_expect 2xx GET '/cardholders?limit=4'
[ "$EP_TRIES" -ge 2 ] || ep_die 1 "GET /cardholders was not throttled: the forced 429 did not come"
ep_done "a 429 answered, retried after Retry-After, then answered 200"
