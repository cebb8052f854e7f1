#!/bin/sh
# E403-ip: 403 "No Authorised IPs configured" handled (allowlist or FCrDNS)
#
# Requirement  E403-ip of matrix axys-v2 2026.12.1 (error-handling;
#              error-code list)
# When written missing: no call answered * * 403 where response.body
#              contains "No Authorised IPs configured"
# Produces     the allowlist 403 (No Authorised IPs configured) seen and not
#              sent again
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
#   EVIDENCE_PROXY_URL=http://127.0.0.1:8080 AXYS_API_KEY=<staging key> sh E403-ip.sh
#
#   EVIDENCE_PROXY_URL  the sidecar's proxy listener (calls go to .../v2)
#   AXYS_API_KEY        the staging API key; set it empty (AXYS_API_KEY=)
#                       when the sidecar adds the key (serve --api-key)
#   AXYS_ENV            staging or unset; anything else is refused
#
# It refuses to run (exit 2, before any call) without these variables,
# against a production URL, or when the sidecar does not answer; it stops
# with a clear message (exit 1) when staging answers unexpectedly. Every
# call carries User-Agent: evidence-proxy-script/test (E403-ip) and
# X-Evidence-Script: E403-ip, so the coverage report tells its evidence from
# the app's.
#
# Written by evidence-proxy test, script catalogue 2026.12.1.

set -u
# shellcheck disable=SC2034 # read by lib.sh
EP_VERSION='test'
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
ep_init E403-ip

# Axys staging answers the two-cause 403 to a caller outside the Program's
# allowlist (or failing forward-confirmed reverse DNS); the emulator forces
# it for the next call.
ep_sim POST /staging/faults '{"status":403}'
ep_expect 403 GET '/cardholders?limit=3'
case $EP_BODY in
*'No Authorised IPs configured'*) ;;
*) ep_die 1 "the 403 does not carry the allowlist message: $(ep_message)" ;;
esac
ep_done "the allowlist 403 (No Authorised IPs configured) seen and not sent again"
