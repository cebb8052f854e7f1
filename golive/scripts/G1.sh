# The sidecar is asked to send a simulation call to production; it must
# refuse it itself. Nothing reaches production.
ep_guard_refuses POST http://production.api.axyscards.com/v2/staging/kyc/validate '{"cardholderId":1,"result":"pass"}'
ep_done "the sidecar refused to send POST /staging/kyc/validate to production (403 guard_refused)"
