ep_card
ep_expect 2xx POST "/cards/$EP_CARD/bank-deposit" "{\"transactionAmount\":25000,\"transactionReference\":\"$EP_CARD-$EP_NONCE\"}"
ep_done "card $EP_CARD: a bank transfer trace notification accepted"
