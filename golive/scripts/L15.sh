ep_card
ep_new_wallet Treasury
ep_sim POST /staging/deposits "{\"walletId\":$EP_WALLET,\"amount\":\"500.00\",\"clearing\":\"instant\"}"
ep_expect 2xx POST /wallets/transfer "{\"sourceWalletId\":$EP_WALLET,\"destinationType\":1,\"destinationId\":$EP_CARD,\"amount\":2500}"
ep_need "$(ep_num transId)" "a transId"
ep_done "wallet $EP_WALLET funded and transferring 2500 to card $EP_CARD"
