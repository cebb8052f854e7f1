# A key that cannot be valid, sent instead of the real one.
ep_use_key "not-a-key-$EP_NONCE"
ep_expect 401 GET '/cardholders?limit=1'
ep_done "a call with an invalid API key answered 401 ($(ep_message)) and was not sent again"
