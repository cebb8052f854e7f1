ep_card
# Activating a card that is already active is a state conflict.
ep_expect 409 PUT "/cards/$EP_CARD/activate" '{"cardNumber":4111111111111111,"expMonth":1,"expYear":2030,"cvv":123,"newPin":1234}'
ep_done "activating active card $EP_CARD answered 409 ($(ep_message)) and was not sent again"
