ep_card
ep_expect 2xx PUT "/cards/$EP_CARD/update" '{"alias":"Travel","transactionLimit":50000}'
ep_expect '400|409|422' PUT "/cards/$EP_CARD/update" '{"transactionLimit":999999999}'
case $(ep_message) in
*transactionLimit*) ;;
*) ep_die 1 "the limit above the cardholder's was refused for another reason: $(ep_message)" ;;
esac
ep_done "card $EP_CARD: alias and limit updated; a limit above the cardholder's refused with $EP_STATUS"
