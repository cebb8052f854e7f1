ep_forced_cardholder pass
ep_virtual_card "$EP_CARDHOLDER"
ep_done "cardholder $EP_CARDHOLDER submitted, approved with POST /staging/kyc/validate, read back in status 1 and issued virtual card $EP_CARD"
