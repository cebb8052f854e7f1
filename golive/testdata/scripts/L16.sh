#!/bin/sh
# L16: Transactions and fees paged to the end over one window
#
# Requirement  L16 of matrix axys-v2 2026.12.1 (reconciliation; launch
#              checklist L16)
# When written missing: no list fetched over a window: GET
#              /cards/transactions 2xx; GET /cards/fees 2xx
# Produces     card transactions and card fees fetched page by page to their
#              totals over one window
# Takes        under a minute
#
# Run it through the sidecar, in front of Axys staging or the emulator:
#
#   EVIDENCE_PROXY_URL=http://127.0.0.1:8080 AXYS_API_KEY=<staging key> sh L16.sh
#
#   EVIDENCE_PROXY_URL  the sidecar's proxy listener (calls go to .../v2)
#   AXYS_API_KEY        the staging API key; set it empty (AXYS_API_KEY=)
#                       when the sidecar adds the key (serve --api-key)
#   AXYS_ENV            staging or unset; anything else is refused
#
# It refuses to run (exit 2, before any call) without these variables,
# against a production URL, or when the sidecar does not answer; it stops
# with a clear message (exit 1) when staging answers unexpectedly. Every
# call carries User-Agent: evidence-proxy-script/test (L16) and
# X-Evidence-Script: L16, so the coverage report tells its evidence from
# the app's.
#
# Written by evidence-proxy test, script catalogue 2026.12.1.

set -u
# shellcheck disable=SC2034 # read by lib.sh
EP_VERSION='test'
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
ep_init L16

# One window, the last day: every page of both card datasets.
before=$(($(date -u +%s) + 60))
after=$((before - 86460))
ep_page /cards/transactions "after=$after&before=$before"
ep_page /cards/fees "after=$after&before=$before"
ep_done "card transactions and card fees fetched page by page to their totals over one window ($after to $before)"
