# The emulator forces two 503s; ep_call retries with a growing wait (1 s,
# then 2 s) until the call succeeds once.
ep_sim POST /staging/faults '{"status":503,"count":2}'
ep_expect 2xx GET '/cardholders?limit=5'
[ "$EP_TRIES" -ge 3 ] || ep_die 1 "GET /cardholders was answered before the two forced 503s"
ep_done "two 503s retried with backoff, then answered 200 once"
