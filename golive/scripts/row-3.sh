ep_forced_cardholder fail
ep_expect 2xx POST "/cardholders/$EP_CARDHOLDER/kyc-url/refresh"
ep_read_cardholder "$EP_CARDHOLDER"
[ "$EP_HOLDER_STATUS" = 3 ] ||
	ep_die 1 "cardholder $EP_CARDHOLDER is in status $EP_HOLDER_STATUS after the refresh (expected 3, under review again)"
ep_force "$EP_CARDHOLDER" pass ||
	ep_die 1 "the second review of cardholder $EP_CARDHOLDER ended by itself before it could be forced; run the script again"
ep_read_cardholder "$EP_CARDHOLDER"
[ "$EP_HOLDER_STATUS" = 1 ] ||
	ep_die 1 "cardholder $EP_CARDHOLDER shows status $EP_HOLDER_STATUS after the forced pass (expected 1)"
ep_done "cardholder $EP_CARDHOLDER declined, re-submitted through the KYC link refresh, approved and read back in status 1"
