ep_card
ep_expect 2xx PUT "/cards/$EP_CARD/status" '{"newStatus":2}'
ep_read_card "$EP_CARD"
[ "$EP_CARD_STATUS" = 2 ] || ep_die 1 "card $EP_CARD shows issuerCardStatus $EP_CARD_STATUS after the block (expected 2, on hold)"
ep_expect 2xx PUT "/cards/$EP_CARD/status" '{"newStatus":1}'
ep_read_card "$EP_CARD"
[ "$EP_CARD_STATUS" = 1 ] || ep_die 1 "card $EP_CARD shows issuerCardStatus $EP_CARD_STATUS after the unblock (expected 1, active)"
ep_done "card $EP_CARD blocked (read on hold, 2) and unblocked (read active, 1)"
