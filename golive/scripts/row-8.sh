ep_card
ep_has_items cryptoAddresses || ep_die 1 "virtual card $EP_CARD was issued without deposit addresses (cryptoAddresses empty)"
ep_read_card "$EP_CARD"
[ "$EP_CARD_STATUS" = 1 ] || ep_die 1 "virtual card $EP_CARD shows issuerCardStatus $EP_CARD_STATUS (expected 1, active at once)"
ep_done "virtual card $EP_CARD issued with deposit addresses and read back active (issuerCardStatus 1)"
