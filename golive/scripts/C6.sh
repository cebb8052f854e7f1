ep_card
ep_read_card "$EP_CARD"
ep_has_items cryptoAddresses || ep_die 1 "GET /cards/$EP_CARD shows no deposit addresses (cryptoAddresses empty)"
ep_done "card $EP_CARD read with its deposit addresses"
