# Axys staging answers 429 past its rate limit (not documented); the
# emulator forces one. ep_call waits as Retry-After asks and retries.
ep_sim POST /staging/faults '{"status":429}'
ep_expect 2xx GET '/cardholders?limit=4'
[ "$EP_TRIES" -ge 2 ] || ep_die 1 "GET /cardholders was not throttled: the forced 429 did not come"
ep_done "a 429 answered, retried after Retry-After, then answered 200"
