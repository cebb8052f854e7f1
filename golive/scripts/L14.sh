ep_new_wallet Treasury
ep_done "wallet $EP_WALLET created"
