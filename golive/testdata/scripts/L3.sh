#!/bin/sh
# L3: Cardholder status polling loop sees the change
#
# Requirement  L3 of matrix axys-v2 2026.12.1 (call-traces; launch checklist
#              L3)
# When written missing: no repeated GET /cardholders/{cardholderId} 2xx of
#              one cardholder
# Produces     a cardholder polled with a growing interval until its status
#              changes (the outcome forced after three reads)
# Takes        under a minute
# Simulation   POST /staging/kyc/validate (documented by Axys): forces the
#              KYC review's outcome (pass or fail)
#
# Run it through the sidecar, in front of Axys staging or the emulator:
#
#   EVIDENCE_PROXY_URL=http://127.0.0.1:8080 AXYS_API_KEY=<staging key> sh L3.sh
#
#   EVIDENCE_PROXY_URL  the sidecar's proxy listener (calls go to .../v2)
#   AXYS_API_KEY        the staging API key; set it empty (AXYS_API_KEY=)
#                       when the sidecar adds the key (serve --api-key)
#   AXYS_ENV            staging or unset; anything else is refused
#
# It refuses to run (exit 2, before any call) without these variables,
# against a production URL, or when the sidecar does not answer; it stops
# with a clear message (exit 1) when staging answers unexpectedly. Every
# call carries User-Agent: evidence-proxy-script/test (L3) and
# X-Evidence-Script: L3, so the coverage report tells its evidence from
# the app's.
#
# Written by evidence-proxy test, script catalogue 2026.12.1.

set -u
# shellcheck disable=SC2034 # read by lib.sh
EP_VERSION='test'
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
ep_init L3

# Reads with a growing interval (2 s, 4 s, 8 s) while the review runs; if it
# has not ended after three reads, its outcome is forced, and the reads go
# on until one shows the change.
ep_new_cardholder
ep_submit "$EP_CARDHOLDER"
d=2 reads=1
while [ "$EP_HOLDER_STATUS" = 3 ]; do
	if [ "$reads" -ge 3 ] && [ -z "${forced:-}" ]; then
		forced=yes
		ep_force "$EP_CARDHOLDER" pass || break
	fi
	sleep "$d"
	ep_read_cardholder "$EP_CARDHOLDER"
	reads=$((reads + 1))
	[ "$reads" -le 12 ] || ep_die 1 "cardholder $EP_CARDHOLDER still under review after $reads reads"
	d=$((d * 2))
	[ "$d" -le 60 ] || d=60
done
ep_done "cardholder $EP_CARDHOLDER polled $reads times with a growing interval until its status changed to $EP_HOLDER_STATUS"
