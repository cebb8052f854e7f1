# A key that cannot be valid: the refusal of the key is a 401 (or a 403)
# without the allowlist message, told apart from the allowlist 403.
ep_use_key "not-a-key-$EP_NONCE"
ep_expect '401|403' GET '/cardholders?limit=2'
case $EP_BODY in
*'No Authorised IPs configured'*) ep_die 1 "the invalid key was answered with the allowlist 403: the calling IP is not allowlisted, so the key's refusal cannot be seen" ;;
esac
ep_done "an invalid API key refused with $EP_STATUS ($(ep_message)), told apart from the allowlist 403"
