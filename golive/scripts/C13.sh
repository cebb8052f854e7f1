ep_card
ep_new_wallet Travel
other=$EP_WALLET
ep_new_wallet Treasury
ep_sim POST /staging/deposits "{\"walletId\":$EP_WALLET,\"amount\":\"500.00\",\"clearing\":\"instant\"}"
ep_expect 2xx POST /wallets/transfer "{\"sourceWalletId\":$EP_WALLET,\"destinationType\":1,\"destinationId\":$EP_CARD,\"amount\":2500}"
ep_need "$(ep_num transId)" "a transId"
ep_expect 2xx POST /wallets/transfer "{\"sourceWalletId\":$EP_WALLET,\"destinationType\":0,\"destinationId\":$other,\"amount\":1000}"
ep_need "$(ep_num transId)" "a transId"
ep_expect 2xx GET /wallets/transactions
ep_body_has "\"walletId\"[[:space:]]*:[[:space:]]*${EP_WALLET}[^0-9]" ||
	ep_die 1 "GET /wallets/transactions does not list wallet $EP_WALLET's movements"
ep_done "wallet $EP_WALLET created, funded, sending to card $EP_CARD and to wallet $other, and its movements listed"
