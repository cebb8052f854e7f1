# Clearing through correspondent banks takes up to about five business
# days; the balance is read with a growing interval (5 s up to 1 h) for up
# to eight days.
ep_card
ep_balance "$EP_CARD"
ledger=$EP_LEDGER available=$EP_AVAILABLE
ep_expect 2xx POST "/cards/$EP_CARD/bank-deposit" "{\"transactionAmount\":25000,\"transactionReference\":\"$EP_CARD-$EP_NONCE\"}"
ep_watch_balance "$EP_CARD" $((ledger + 25000)) "$available" 86400 60 ||
	ep_die 1 "card $EP_CARD: the trace did not reach ledgerBalance within a day (ledger $ledger -> $EP_LEDGER, available $available -> $EP_AVAILABLE)"
ep_watch_balance "$EP_CARD" $((ledger + 25000)) $((available + 25000)) 691200 3600 ||
	ep_die 1 "card $EP_CARD: availableBalance did not rise by 25000 within eight days"
ep_done "card $EP_CARD: a traced transfer of 25000 seen in ledgerBalance first, then, after clearing, in availableBalance"
