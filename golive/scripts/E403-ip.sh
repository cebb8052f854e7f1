# Axys staging answers the two-cause 403 to a caller outside the Program's
# allowlist (or failing forward-confirmed reverse DNS); the emulator forces
# it for the next call.
ep_sim POST /staging/faults '{"status":403}'
ep_expect 403 GET '/cardholders?limit=3'
case $EP_BODY in
*'No Authorised IPs configured'*) ;;
*) ep_die 1 "the 403 does not carry the allowlist message: $(ep_message)" ;;
esac
ep_done "the allowlist 403 (No Authorised IPs configured) seen and not sent again"
