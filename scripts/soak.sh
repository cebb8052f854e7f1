#!/usr/bin/env bash
# soak.sh records about CALLS calls (default 1,000,000) through evidence-proxy
# serve (sync durability unless EP_ARGS says otherwise) with the shared bench
# load and upstream, then reports the sidecar's memory, the store size, and
# the time and peak memory of exporting and verifying the whole store.
# Loopback only; every process it starts is stopped on exit.
#
#   scripts/soak.sh                 # 1,000,000 calls, then export + verify
#   CALLS=200000 scripts/soak.sh    # a shorter run
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bench_src=${BENCH_DIR:-$root/../shared/bench}
CALLS=${CALLS:-1000000} C=${C:-32}
work=$(mktemp -d /tmp/evidence-soak.XXXXXX)
echo "soak: working in $work" >&2
cp -r "$bench_src" "$work/bench"; chmod -R u+w "$work/bench"
cd "$work/bench"
go build -o bin/ ./...
(cd "$root" && go build -o "$work/ep" ./cmd/evidence-proxy)
./upstream/gencerts.sh certs >/dev/null
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
./bin/upstream -addr 127.0.0.1:28443 -cert certs/server.crt -key certs/server.key -ca certs/ca.crt >"$work/upstream.log" 2>&1 & pids+=($!)
"$work/ep" serve --listen 127.0.0.1:28084 --admin-listen 127.0.0.1:29094 --upstream https://127.0.0.1:28443/v2 \
  --client-cert certs/client.crt --client-key certs/client.key --upstream-ca certs/ca.crt \
  --data-dir "$work/data" ${EP_ARGS:-} >"$work/evidence.log" 2>&1 & ep=$!; pids+=($ep)
for _ in $(seq 100); do curl -fs 127.0.0.1:29094/readyz >/dev/null && break; sleep 0.1; done

last_seq() { curl -fs 127.0.0.1:29094/metrics | awk '/^evidence_proxy_recorder_last_sequence /{printf "%d", $2}'; }
start=$(date +%s)
while :; do
  ./bin/load -url http://127.0.0.1:28084/v2 -cert certs/client.crt -key certs/client.key -cacert certs/ca.crt \
    -c "$C" -d 20s >>"$work/load.jsonl" 2>>"$work/load.log"
  seq=$(last_seq)
  echo "soak: $seq calls recorded, $(grep -E "VmRSS|RssAnon|RssFile" /proc/$ep/status | tr -s " \t\n" " ")" >&2
  [ "${seq:-0}" -ge "$CALLS" ] && break
done
elapsed=$(( $(date +%s) - start ))
rss=$(awk '/VmRSS/{print $2}' /proc/$ep/status) hwm=$(awk '/VmHWM/{print $2}' /proc/$ep/status)
anon=$(awk '/RssAnon/{print $2}' /proc/$ep/status) file=$(awk '/RssFile/{print $2}' /proc/$ep/status)
kill -INT "$ep"; wait "$ep" 2>/dev/null || true
size=$(stat -c %s "$work/data/evidence.db")
ex=$( { /usr/bin/time -f '%e %M' "$work/ep" export --data-dir "$work/data" --out "$work/bundle.tar.zst" >/dev/null; } 2>&1 | tail -1 )
ve=$( { /usr/bin/time -f '%e %M' "$work/ep" verify --pubkey "$work/data/signing-key.pem.pub" "$work/bundle.tar.zst" >/dev/null; } 2>&1 | tail -1 )
bsize=$(stat -c %s "$work/bundle.tar.zst")
cat <<REPORT
calls recorded        $seq in ${elapsed}s ($(( seq / (elapsed > 0 ? elapsed : 1) ))/s, C=$C, ${EP_ARGS:-sync})
sidecar RSS at end    $(( rss / 1024 )) MiB (peak $(( hwm / 1024 )) MiB): $(( anon / 1024 )) MiB anonymous (heap, stacks), $(( file / 1024 )) MiB mapped store file pages
store file            $(( size / 1048576 )) MiB ($(( size / seq )) B/record)
export                $(echo "$ex" | awk '{printf "%.1f s, peak RSS %d MiB", $1, $2/1024}')
verify                $(echo "$ve" | awk '{printf "%.1f s, peak RSS %d MiB", $1, $2/1024}')
bundle                $(( bsize / 1048576 )) MiB ($(( bsize / seq )) B/record)
REPORT
