# Two reads before the deposit, then reads with a growing interval (2 s to
# 8 s) until a balance changes.
ep_card
ep_balance "$EP_CARD"
ledger=$EP_LEDGER available=$EP_AVAILABLE
sleep 2
ep_balance "$EP_CARD"
ep_sim POST /staging/deposits "{\"cardId\":$EP_CARD,\"amount\":\"100.00\",\"rail\":\"crypto\"}"
d=2 waited=0
while [ "$EP_LEDGER" = "$ledger" ] && [ "$EP_AVAILABLE" = "$available" ]; do
	[ "$waited" -lt 1800 ] || ep_die 1 "card $EP_CARD: no balance changed within 30 min of the deposit"
	sleep "$d"
	waited=$((waited + d))
	ep_balance "$EP_CARD"
	d=$((d * 2))
	[ "$d" -le 8 ] || d=8
done
ep_done "card $EP_CARD: balance polled until it changed (ledger $ledger -> $EP_LEDGER, available $available -> $EP_AVAILABLE)"
