ep_new_cardholder
ep_submit "$EP_CARDHOLDER"
ep_expect 409 PUT "/cardholders/$EP_CARDHOLDER" '{"lastName":"Smith"}'
ep_done "cardholder $EP_CARDHOLDER under review (status 3): editing its last name was refused with 409 ($(ep_message))"
