ep_card
ep_expect '400|409|422' PUT "/cards/$EP_CARD/status" '{"newStatus":3}'
ep_done "closing card $EP_CARD through the API (newStatus 3) was refused with $EP_STATUS ($(ep_message))"
