ep_approved_cardholder
ep_physical_card "$EP_CARDHOLDER"
ep_read_card "$EP_CARD"
[ "$EP_CARD_STATUS" = 4 ] || ep_die 1 "physical card $EP_CARD shows issuerCardStatus $EP_CARD_STATUS (expected 4, not activated)"
ep_done "physical card $EP_CARD issued on design slot 0 and read back not activated (issuerCardStatus 4)"
