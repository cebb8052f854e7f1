# The sidecar is asked to forward to production; it must refuse it itself.
# Nothing reaches production.
ep_guard_refuses GET http://production.api.axyscards.com/v2/cardholders
ep_done "the sidecar refused to forward GET /cardholders to production (403 guard_refused)"
