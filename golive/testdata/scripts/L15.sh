#!/bin/sh
# L15: Wallet to card transfer
#
# Requirement  L15 of matrix axys-v2 2026.12.1 (call-traces; launch
#              checklist L15)
# When written missing: no call matched POST /wallets/transfer 2xx where
#              request.body.destinationType == 1 and response.body.transId
#              nonempty
# Produces     a wallet funded and transferring to a card
# Takes        under a minute
# Simulation   POST /staging/kyc/validate (documented by Axys): forces the
#              KYC review's outcome (pass or fail)
#              POST /staging/deposits (evidence-proxy's emulator only): the
#              Axys docs describe an exact-deposit simulation but do not
#              show its path
#              Where an emulator-only endpoint answers 404 (Axys staging),
#              the script stops with exit status 3; do that step with the
#              simulation Axys documents for your program, then the rest by
#              hand.
#
# Run it through the sidecar, in front of Axys staging or the emulator:
#
#   EVIDENCE_PROXY_URL=http://127.0.0.1:8080 AXYS_API_KEY=<staging key> sh L15.sh
#
#   EVIDENCE_PROXY_URL  the sidecar's proxy listener (calls go to .../v2)
#   AXYS_API_KEY        the staging API key; set it empty (AXYS_API_KEY=)
#                       when the sidecar adds the key (serve --api-key)
#   AXYS_ENV            staging or unset; anything else is refused
#
# It refuses to run (exit 2, before any call) without these variables,
# against a production URL, or when the sidecar does not answer; it stops
# with a clear message (exit 1) when staging answers unexpectedly. Every
# call carries User-Agent: evidence-proxy-script/test (L15) and
# X-Evidence-Script: L15, so the coverage report tells its evidence from
# the app's.
#
# Written by evidence-proxy test, script catalogue 2026.12.1.

set -u
# shellcheck disable=SC2034 # read by lib.sh
EP_VERSION='test'
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
ep_init L15

ep_card
ep_new_wallet Treasury
ep_sim POST /staging/deposits "{\"walletId\":$EP_WALLET,\"amount\":\"500.00\",\"clearing\":\"instant\"}"
ep_expect 2xx POST /wallets/transfer "{\"sourceWalletId\":$EP_WALLET,\"destinationType\":1,\"destinationId\":$EP_CARD,\"amount\":2500}"
ep_need "$(ep_num transId)" "a transId"
ep_done "wallet $EP_WALLET funded and transferring 2500 to card $EP_CARD"
