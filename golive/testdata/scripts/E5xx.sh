#!/bin/sh
# E5xx: 5xx handled (retried with backoff, no duplicate side effect)
#
# Requirement  E5xx of matrix axys-v2 2026.12.1 (error-handling; error-code
#              list)
# When written missing: no call answered * * 5xx
# Produces     two 503s retried with a growing wait, then answered 200 once
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
#   EVIDENCE_PROXY_URL=http://127.0.0.1:8080 AXYS_API_KEY=<staging key> sh E5xx.sh
#
#   EVIDENCE_PROXY_URL  the sidecar's proxy listener (calls go to .../v2)
#   AXYS_API_KEY        the staging API key; set it empty (AXYS_API_KEY=)
#                       when the sidecar adds the key (serve --api-key)
#   AXYS_ENV            staging or unset; anything else is refused
#
# It refuses to run (exit 2, before any call) without these variables,
# against a production URL, or when the sidecar does not answer; it stops
# with a clear message (exit 1) when staging answers unexpectedly. Every
# call carries User-Agent: evidence-proxy-script/test (E5xx) and
# X-Evidence-Script: E5xx, so the coverage report tells its evidence from
# the app's.
#
# Written by evidence-proxy test, script catalogue 2026.12.1.

set -u
# shellcheck disable=SC2034 # read by lib.sh
EP_VERSION='test'
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
ep_init E5xx

# The emulator forces two 503s; ep_call retries with a growing wait (1 s,
# then 2 s) until the call succeeds once.
ep_sim POST /staging/faults '{"status":503,"count":2}'
ep_expect 2xx GET '/cardholders?limit=5'
[ "$EP_TRIES" -ge 3 ] || ep_die 1 "GET /cardholders was answered before the two forced 503s"
ep_done "two 503s retried with backoff, then answered 200 once"
