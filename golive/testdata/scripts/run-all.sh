#!/bin/sh
# run-all.sh: runs one after the other the test scripts evidence-proxy test
# wrote for the gaps of matrix axys-v2 2026.12.1; those that force the
# emulator's next answers run last. Long scripts (hours of polling) run only
# with --long.
#
#   EVIDENCE_PROXY_URL=http://127.0.0.1:8080 AXYS_API_KEY=<staging key> sh run-all.sh [--long]
#
# The variables are those of every script (see their headers). It checks
# them and the sidecar before any script runs, goes on past a script that
# fails, and exits 1 when any failed (3 when the only trouble is steps
# that need the emulator). README.md lists what no script can produce.
set -u
# shellcheck disable=SC2034 # read by lib.sh
EP_VERSION='test'
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
long=0
for arg in "$@"; do
	case $arg in
	--long) long=1 ;;
	*) ep_die 2 "usage: sh run-all.sh [--long]" ;;
	esac
done
ep_init run-all
dir=$(dirname "$0")
quick='row-1 row-2 row-3 row-6 row-8 row-9 C1 C2 C3 C4 C5 C6 C7 C8 C9 C10 C11 C11-expiry C13 C14 C15 C15-expiry C16 L1 L2 L3 L7 L10 L13 L14 L15 L16 E400 E401 E403-key E404 E409 E422 G1 G2 E403-ip E429 E5xx'
long_scripts='row-7 C12'
manual='row-4 row-5 EV-approval EV-decline EV-card-shown EV-deposit EV-spend-declined EV-otp'
ok='' failed='' emulator=''
run() {
	sh "$dir/$1.sh"
	rc=$?
	case $rc in
	0) ok="$ok $1" ;;
	2) ep_die 2 "$1.sh could not start (see above): stopping" ;;
	3) emulator="$emulator $1" ;;
	*) failed="$failed $1" ;;
	esac
}
for s in $quick; do run "$s"; done
if [ "$long" = 1 ]; then
	for s in $long_scripts; do run "$s"; done
elif [ -n "$long_scripts" ]; then
	ep_say "not run (hours of polling; use --long): $long_scripts"
fi
[ -z "$manual" ] || ep_say "no script can produce (see README.md): $manual"
ep_say "evidence produced:${ok:- none}"
[ -z "$emulator" ] || ep_say "steps need the emulator's simulation endpoints:$emulator"
if [ -n "$failed" ]; then
	ep_say "failed:$failed"
	exit 1
fi
[ -z "$emulator" ] || exit 3
exit 0
