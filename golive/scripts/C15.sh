ep_card
ep_expect 2xx POST /otp/listeners "{\"cardId\":$EP_CARD}"
token=$(ep_str token)
ep_need "$token" "a token"
# A card-not-present purchase asks for the OTP: the emulator simulates it.
ep_sim POST "/staging/cards/$EP_CARD/3ds-challenge" '{}'
ep_expect 2xx GET "/otp/$token"
[ "$(ep_str status)" = received ] || ep_die 1 "the OTP shows status '$(ep_str status)' (expected received)"
ep_need "$(ep_str code)$(ep_num code)" "an OTP code"
ep_need "$(ep_num expiresAt)" "an expiresAt"
ep_done "card $EP_CARD subscribed to 3-D Secure OTPs, and an OTP read as received (its code never printed)"
