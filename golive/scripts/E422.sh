ep_expect 422 POST /cardholders "{\"firstName\":\"J\",\"lastName\":\"Reyes-$EP_NONCE\"}"
ep_done "a cardholder with a one-letter first name answered 422 ($(ep_message)) and was not sent again"
