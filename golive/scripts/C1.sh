ep_approved_cardholder
ep_physical_card "$EP_CARDHOLDER"
ep_read_card "$EP_CARD"
[ "$EP_CARD_STATUS" = 4 ] || ep_die 1 "physical card $EP_CARD shows issuerCardStatus $EP_CARD_STATUS (expected 4, not activated)"
# What the cardholder reads off the plastic (the emulator's; the sidecar
# records it redacted). Kept in shell variables only, never printed.
ep_sim GET "/staging/cards/$EP_CARD/sensitive"
pan=$(ep_str cardNumber)
cvv=$(ep_str cvv | sed 's/^0*\(.\)/\1/')
month=$(ep_num expMonth)
year=$(ep_num expYear)
ep_need "$pan$cvv" "the card's number and CVV"
ep_expect 2xx PUT "/cards/$EP_CARD/activate" "{\"cardNumber\":$pan,\"expMonth\":$month,\"expYear\":$year,\"cvv\":$cvv,\"newPin\":1234}"
pan='' cvv=''
ep_read_card "$EP_CARD"
[ "$EP_CARD_STATUS" = 1 ] || ep_die 1 "card $EP_CARD shows issuerCardStatus $EP_CARD_STATUS after activation (expected 1)"
ep_done "physical card $EP_CARD read not activated (4), activated, and read back active (1)"
