# Reads with a growing interval (2 s, 4 s, 8 s) while the review runs; if it
# has not ended after three reads, its outcome is forced, and the reads go
# on until one shows the change.
ep_new_cardholder
ep_submit "$EP_CARDHOLDER"
d=2 reads=1
while [ "$EP_HOLDER_STATUS" = 3 ]; do
	if [ "$reads" -ge 3 ] && [ -z "${forced:-}" ]; then
		forced=yes
		ep_force "$EP_CARDHOLDER" pass || break
	fi
	sleep "$d"
	ep_read_cardholder "$EP_CARDHOLDER"
	reads=$((reads + 1))
	[ "$reads" -le 12 ] || ep_die 1 "cardholder $EP_CARDHOLDER still under review after $reads reads"
	d=$((d * 2))
	[ "$d" -le 60 ] || d=60
done
ep_done "cardholder $EP_CARDHOLDER polled $reads times with a growing interval until its status changed to $EP_HOLDER_STATUS"
