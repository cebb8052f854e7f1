ep_expect 400 POST /cardholders "{\"firstName\":\"Jordan-$EP_NONCE"
ep_done "a malformed body answered 400 ($(ep_message)) and was not sent again"
