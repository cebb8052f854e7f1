ep_forced_cardholder fail
ep_expect 2xx POST "/cardholders/$EP_CARDHOLDER/kyc-url/refresh"
ep_need "$(ep_str applicationLink)" "a new applicationLink"
ep_done "cardholder $EP_CARDHOLDER declined with POST /staging/kyc/validate, read back in status 2, and its KYC link refreshed"
