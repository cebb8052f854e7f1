ep_new_cardholder
ep_done "cardholder $EP_CARDHOLDER created with every required field"
