ep_card
ep_balance "$EP_CARD"
ledger=$EP_LEDGER
ep_sim POST /staging/deposits "{\"cardId\":$EP_CARD,\"amount\":\"10.00\",\"rail\":\"bank\",\"clearing\":\"instant\"}"
ep_balance "$EP_CARD"
[ "$EP_LEDGER" = $((ledger + 1000)) ] ||
	ep_die 1 "card $EP_CARD: ledgerBalance went from $ledger to $EP_LEDGER after a deposit of 10.00 (expected +1000)"
ep_done "card $EP_CARD: an exact deposit of 10.00 raised ledgerBalance by 1000"
