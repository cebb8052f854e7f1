#!/bin/sh
# row-7: Polling with backoff over hours while the review runs
#
# Requirement  row-7 of matrix axys-v2 2026.12.1 (error-handling;
#              test-matrix row 7)
# When written missing: no repeated GET /cardholders/{cardholderId} 2xx of
#              one cardholder
# Produces     a cardholder under review polled with a growing interval (5 s
#              doubling up to 10 min) for 2 h 15 min, its outcome never
#              forced
# Takes        at least 2 h 15 min; a review that ends sooner is replaced by
#              a new cardholder, six at most (about 14 h)
#
# Run it through the sidecar, in front of Axys staging or the emulator:
#
#   EVIDENCE_PROXY_URL=http://127.0.0.1:8080 AXYS_API_KEY=<staging key> sh row-7.sh
#
#   EVIDENCE_PROXY_URL  the sidecar's proxy listener (calls go to .../v2)
#   AXYS_API_KEY        the staging API key; set it empty (AXYS_API_KEY=)
#                       when the sidecar adds the key (serve --api-key)
#   AXYS_ENV            staging or unset; anything else is refused
#
# This script runs for hours: run-all.sh runs it only with --long. Run it
# alone, e.g. nohup sh row-7.sh >row-7.log 2>&1 &
#
# It refuses to run (exit 2, before any call) without these variables,
# against a production URL, or when the sidecar does not answer; it stops
# with a clear message (exit 1) when staging answers unexpectedly. Every
# call carries User-Agent: evidence-proxy-script/test (row-7) and
# X-Evidence-Script: row-7, so the coverage report tells its evidence from
# the app's.
#
# Written by evidence-proxy test, script catalogue 2026.12.1.

set -u
# shellcheck disable=SC2034 # read by lib.sh
EP_VERSION='test'
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
ep_init row-7

# The review must stay open (status 3) for the two hours the requirement
# asks; a review that ends sooner proves nothing, so another cardholder is
# submitted, six at most. The outcome is never forced.
span=8100 # 2 h 15 min, a margin over the 2 h the requirement asks
ep_t=0
while [ "$ep_t" -lt 6 ]; do
	ep_t=$((ep_t + 1))
	ep_new_cardholder
	ep_submit "$EP_CARDHOLDER"
	start=$(date -u +%s)
	d=5
	while :; do
		sleep "$d"
		ep_read_cardholder "$EP_CARDHOLDER"
		elapsed=$(($(date -u +%s) - start))
		[ "$EP_HOLDER_STATUS" = 3 ] || break
		if [ "$elapsed" -ge "$span" ]; then
			ep_done "cardholder $EP_CARDHOLDER polled with a growing interval for $((elapsed / 60)) min while under review, its outcome never forced"
		fi
		d=$((d * 2))
		[ "$d" -le 600 ] || d=600
	done
	ep_say "cardholder $EP_CARDHOLDER: the review ended after $((elapsed / 60)) min (status $EP_HOLDER_STATUS), before the 2 hours the requirement needs; submitting another cardholder"
done
ep_die 1 "six reviews ended before 2 hours: on this staging program reviews finish too fast for this requirement; tell the auditor so"
