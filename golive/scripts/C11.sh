ep_approved_cardholder
ep_expect 2xx POST "/cardholders/$EP_CARDHOLDER/register-bank-account" "$EP_BANK_ACCOUNT"
ep_need "$(ep_num depositId)" "a depositId"
[ "$(ep_str statusText)" = pending ] ||
	ep_die 1 "the registration answered statusText '$(ep_str statusText)' (expected pending, waiting for the SMS reply)"
ep_done "cardholder $EP_CARDHOLDER: sending bank account registered, pending the cardholder's SMS confirmation"
