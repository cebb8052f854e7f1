ep_card
ep_fund "$EP_CARD" 100.00
ep_balance "$EP_CARD"
available=$EP_AVAILABLE
ep_sim POST "/staging/cards/$EP_CARD/spend" '{"amount":"12.34","merchantName":"Cafe de Flore","merchantCountry":"FR","merchantCurrency":"EUR","merchantAmount":"11.40"}'
txn=$(ep_str transId)
ep_need "$txn" "a transId"
case $(ep_num transactionStatus) in
1 | 2 | 3) ;;
*) ep_die 1 "the spend on card $EP_CARD was not approved (transactionStatus $(ep_num transactionStatus))" ;;
esac
ep_expect 2xx GET "/cards/transactions?cardId=$EP_CARD"
ep_body_has "\"transId\"[[:space:]]*:[[:space:]]*\"$txn\"" ||
	ep_die 1 "GET /cards/transactions?cardId=$EP_CARD does not list the spend's transaction $txn"
ep_balance "$EP_CARD"
[ "$EP_AVAILABLE" -lt "$available" ] ||
	ep_die 1 "card $EP_CARD: availableBalance did not fall after the spend ($available -> $EP_AVAILABLE)"
ep_done "card $EP_CARD: a spend listed as transaction $txn, and availableBalance debited ($available -> $EP_AVAILABLE)"
