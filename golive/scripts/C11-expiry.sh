ep_approved_cardholder
ep_expect 2xx POST "/cardholders/$EP_CARDHOLDER/register-bank-account" "$EP_BANK_ACCOUNT"
dep=$(ep_num depositId)
ep_need "$dep" "a depositId"
# The SMS OTP expires after minutes on Axys staging; the emulator expires
# it on request.
ep_sim POST "/staging/bank-accounts/$dep/expire"
[ "$(ep_str statusText)" = expired ] || ep_die 1 "registration $dep shows '$(ep_str statusText)' (expected expired)"
ep_expect 2xx POST "/cardholders/$EP_CARDHOLDER/register-bank-account" "$EP_BANK_ACCOUNT"
[ "$(ep_str statusText)" = pending ] || ep_die 1 "the new registration shows '$(ep_str statusText)' (expected pending)"
ep_done "cardholder $EP_CARDHOLDER: registration $dep expired, and registration requested again"
