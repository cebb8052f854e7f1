ep_expect 404 GET "/cardholders/9$EP_NONCE"
ep_done "an unknown cardholder answered 404 ($(ep_message)) and was not asked for again"
