ep_card
ep_expect 2xx PUT "/cards/$EP_CARD/update" '{"alias":"Travel","transactionLimit":50000}'
ep_done "card $EP_CARD: alias and limit updated"
