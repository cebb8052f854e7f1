# The balance is read before the deposit, then with a growing interval (2 s
# to 8 s): the ledger must rise by the amount while available stays, then
# available. When both rise between two reads the order is not seen, and
# the deposit is repeated (three times at most).
ep_card
ep_t=0
while [ "$ep_t" -lt 3 ]; do
	ep_t=$((ep_t + 1))
	ep_balance "$EP_CARD"
	ledger=$EP_LEDGER available=$EP_AVAILABLE
	ep_sim POST /staging/deposits "{\"cardId\":$EP_CARD,\"amount\":\"100.00\",\"rail\":\"crypto\"}"
	if ep_watch_balance "$EP_CARD" $((ledger + 10000)) "$available" 1800; then
		ep_watch_balance "$EP_CARD" $((ledger + 10000)) $((available + 10000)) 7200 ||
			ep_die 1 "card $EP_CARD: availableBalance did not rise by 10000 within 2 hours of the ledger"
		ep_done "card $EP_CARD: a crypto deposit of 100.00 seen in ledgerBalance first, then in availableBalance"
	fi
	if [ "$EP_LEDGER" != $((ledger + 10000)) ] || [ "$EP_AVAILABLE" != $((available + 10000)) ]; then
		ep_die 1 "card $EP_CARD: the balances moved unexpectedly (ledger $ledger -> $EP_LEDGER, available $available -> $EP_AVAILABLE)"
	fi
	ep_say "both balances rose between two reads; depositing again to see the ledger first"
done
ep_die 1 "three deposits reached both balances between two reads: staging clears faster than this script polls"
