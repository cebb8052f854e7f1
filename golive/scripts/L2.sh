ep_approved_cardholder
ep_done "cardholder $EP_CARDHOLDER submitted to compliance and read back approved (status 1)"
