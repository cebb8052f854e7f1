# The review must stay open (status 3) for the two hours the requirement
# asks; a review that ends sooner proves nothing, so another cardholder is
# submitted, six at most. The outcome is never forced.
span=8100 # 2 h 15 min, a margin over the 2 h the requirement asks
ep_t=0
while [ "$ep_t" -lt 6 ]; do
	ep_t=$((ep_t + 1))
	ep_new_cardholder
	ep_submit "$EP_CARDHOLDER"
	start=$(date -u +%s)
	d=5
	while :; do
		sleep "$d"
		ep_read_cardholder "$EP_CARDHOLDER"
		elapsed=$(($(date -u +%s) - start))
		[ "$EP_HOLDER_STATUS" = 3 ] || break
		if [ "$elapsed" -ge "$span" ]; then
			ep_done "cardholder $EP_CARDHOLDER polled with a growing interval for $((elapsed / 60)) min while under review, its outcome never forced"
		fi
		d=$((d * 2))
		[ "$d" -le 600 ] || d=600
	done
	ep_say "cardholder $EP_CARDHOLDER: the review ended after $((elapsed / 60)) min (status $EP_HOLDER_STATUS), before the 2 hours the requirement needs; submitting another cardholder"
done
ep_die 1 "six reviews ended before 2 hours: on this staging program reviews finish too fast for this requirement; tell the auditor so"
