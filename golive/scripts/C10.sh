ep_card
ep_sim POST "/staging/cards/$EP_CARD/spend" '{"amount":"5000.00"}'
txn=$(ep_str transId)
ep_need "$txn" "a transId"
[ "$(ep_num transactionStatus)" = 4 ] ||
	ep_die 1 "a spend of 5000.00 on an empty card was not declined (transactionStatus $(ep_num transactionStatus))"
ep_expect 2xx GET "/cards/transactions?cardId=$EP_CARD&status=4"
ep_body_has "\"transId\"[[:space:]]*:[[:space:]]*\"$txn\"" ||
	ep_die 1 "GET /cards/transactions?cardId=$EP_CARD&status=4 does not list the declined transaction $txn"
ep_done "card $EP_CARD: a spend above its balance declined, and listed as declined transaction $txn"
