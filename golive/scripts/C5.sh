ep_card
# The PIN a card is issued with is the last four digits of its number,
# which maskedCardNumber shows.
pin=$(printf '%s' "$EP_MASKED" | sed -n 's/.*\([0-9][0-9][0-9][0-9]\)$/\1/p')
ep_need "$pin" "a maskedCardNumber ending in four digits"
new=4321
[ "$pin" != "$new" ] || new=4322
ep_expect 2xx PUT "/cards/$EP_CARD/pin" "{\"currentPin\":\"$pin\",\"newPin\":\"$new\"}"
pin='' new=''
ep_done "card $EP_CARD: PIN changed from the one it was issued with"
