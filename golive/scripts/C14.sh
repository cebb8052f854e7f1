ep_card
ep_new_wallet Treasury
ep_expect '400|409|422' POST /wallets/transfer "{\"sourceCardId\":$EP_CARD,\"destinationType\":0,\"destinationId\":$EP_WALLET,\"amount\":100}"
ep_done "a transfer from card $EP_CARD to wallet $EP_WALLET was refused with $EP_STATUS ($(ep_message))"
