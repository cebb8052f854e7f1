ep_card
ep_expect 2xx POST /otp/listeners "{\"cardId\":$EP_CARD}"
token=$(ep_str token)
ep_need "$token" "a token"
ep_sim POST "/staging/cards/$EP_CARD/3ds-challenge" '{"expiresInSeconds":5}'
sleep 6
ep_expect 2xx GET "/otp/$token"
[ "$(ep_str status)" = expired ] || ep_die 1 "the OTP shows status '$(ep_str status)' 6 s after a 5 s challenge (expected expired)"
ep_sim POST "/staging/cards/$EP_CARD/3ds-challenge" '{}'
ep_expect 2xx GET "/otp/$token"
[ "$(ep_str status)" = received ] || ep_die 1 "the new OTP shows status '$(ep_str status)' (expected received)"
ep_done "card $EP_CARD: an OTP seen expired, then a new one asked for and read as received"
