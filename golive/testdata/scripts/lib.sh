# lib.sh: what the evidence-proxy test scripts share. Each script sets
# EP_VERSION, sources this file and calls ep_init with its requirement id.
# POSIX sh and curl only (no jq: answers are read with sed).
#
# Environment:
#   EVIDENCE_PROXY_URL  the sidecar's proxy listener, e.g. http://127.0.0.1:8080
#                       (calls go to $EVIDENCE_PROXY_URL/v2/...)
#   AXYS_API_KEY        the staging API key; set it empty (AXYS_API_KEY=) when
#                       the sidecar adds the key itself (serve --api-key)
#   AXYS_ENV            staging or unset; anything else is refused
#
# Exit status: 0 the evidence was produced; 1 staging answered unexpectedly;
# 2 the environment is wrong (nothing was called); 3 a step needs the local
# emulator's simulation endpoints, which Axys staging does not document.

# shellcheck disable=SC2034 # used by the scripts
EP_PERSON='{"firstName":"Jordan","lastName":"Reyes","emailAdr":"jordan.reyes@example.com","gender":0,"nationality":"American","placeOfBirth":"USA","dob":"1990-05-14","adrLine1":"123 Market Street","city":"San Francisco","state":"CA","country":"US","zipCode":"94105","callingCode":"001","cellNum":"4155550100","countryCallingCode":"US"}'
# shellcheck disable=SC2034
EP_BANK_ACCOUNT='{"senderAccountName":"Jordan Reyes","senderAccountNumber":"000123456789","senderRoutingNumber":"021000021"}'

ep_say() { printf '[%s] %s\n' "${EP_REQ:-script}" "$*"; }

# ep_die STATUS MESSAGE: stops the script with a clear message.
ep_die() {
	ep_code=$1
	shift
	printf '[%s] error: %s\n' "${EP_REQ:-script}" "$*" >&2
	exit "$ep_code"
}

# ep_init REQUIREMENT: checks the environment and that the sidecar answers,
# before any call is made.
ep_init() {
	EP_REQ=$1
	EP_UA="evidence-proxy-script/${EP_VERSION:-dev} ($EP_REQ)"
	command -v curl >/dev/null 2>&1 || ep_die 2 "curl is required and is not on PATH"
	[ -n "${EVIDENCE_PROXY_URL:-}" ] ||
		ep_die 2 "EVIDENCE_PROXY_URL is not set: export the sidecar's proxy listener, e.g. EVIDENCE_PROXY_URL=http://127.0.0.1:8080"
	[ -n "${AXYS_API_KEY+set}" ] ||
		ep_die 2 "AXYS_API_KEY is not set: export your staging API key, or set it empty (AXYS_API_KEY=) when the sidecar adds the key (serve --api-key)"
	case ${AXYS_ENV:-staging} in
	staging) ;;
	*) ep_die 2 "AXYS_ENV is '$AXYS_ENV': these scripts only run against staging (set AXYS_ENV=staging or unset it)" ;;
	esac
	AXYS_ENV=staging
	export AXYS_ENV
	ep_check_url
	case $AXYS_API_KEY in
	*"$(printf '\r')"* | *'
'*) ep_die 2 "AXYS_API_KEY holds a line break" ;;
	esac
	# Calls go to the sidecar only: no proxy from the environment.
	unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
	EP_KEY=$AXYS_API_KEY
	EP_NONCE="$(date -u +%s)$$"
	ep_preflight
}

# ep_check_url refuses a production URL, Axys itself or anything that is
# not an http(s) URL, and sets EP_PROXY (the sidecar) and EP_BASE (its /v2).
ep_check_url() {
	EP_PROXY=${EVIDENCE_PROXY_URL%/}
	EP_PROXY=${EP_PROXY%/v2}
	ep_lower=$(printf '%s' "$EP_PROXY" | tr '[:upper:]' '[:lower:]')
	case $ep_lower in
	*production.api.axyscards.com*)
		ep_die 2 "EVIDENCE_PROXY_URL points at Axys production ($EVIDENCE_PROXY_URL): these scripts only run through the sidecar, against staging" ;;
	*.axyscards.com*)
		ep_die 2 "EVIDENCE_PROXY_URL points at Axys itself ($EVIDENCE_PROXY_URL), not at the sidecar: the calls would not be recorded" ;;
	http://?* | https://?*) ;;
	*) ep_die 2 "EVIDENCE_PROXY_URL must be an http:// or https:// URL, e.g. http://127.0.0.1:8080 (got '$EVIDENCE_PROXY_URL')" ;;
	esac
	EP_BASE=$EP_PROXY/v2
}

# ep_preflight asks the sidecar, in proxy form, for a host it never
# forwards to: evidence-proxy refuses it itself (403, guard_refused) without
# calling anything. That proves the sidecar answers, before any API call.
ep_preflight() {
	ep_guard_call GET "http://evidence-proxy-preflight.invalid/$EP_REQ/$EP_NONCE" ||
		ep_die 2 "the sidecar at $EP_PROXY is not answering ($EP_ERR): start evidence-proxy serve, or point EVIDENCE_PROXY_URL at its proxy listener"
	ep_refused_by_sidecar ||
		ep_die 2 "$EP_PROXY answered HTTP $EP_STATUS, but not as evidence-proxy (no X-Evidence-Proxy-Error: guard_refused): point EVIDENCE_PROXY_URL at the sidecar's proxy listener"
}

# ep_guard_call METHOD URL [BODY]: one call for an absolute URL through the
# sidecar used as a proxy, without the API key.
ep_guard_call() {
	ep_data "$@"
	ep_curl "$2" nokey -x "$EP_PROXY" -X "$1"
}

ep_refused_by_sidecar() {
	[ "$EP_STATUS" = 403 ] && [ "$(ep_header x-evidence-proxy-error)" = guard_refused ]
}

# ep_data METHOD URL [BODY] sets EP_DATA to the body, or unsets it.
ep_data() {
	if [ $# -ge 3 ]; then EP_DATA=$3; else unset EP_DATA; fi
}

# ep_curl URL key|nokey [CURL OPTIONS]: one request. The headers, the API
# key and the body reach curl through its configuration on stdin, and the
# answer stays in memory: the key is on no command line and, like the
# answers (which can hold a card number or an OTP), in no file. Sets
# EP_STATUS (000 without an answer), EP_HEAD (the answer's headers),
# EP_BODY (the body on one line) and EP_ERR (curl's error), and returns
# curl's status.
ep_curl() {
	ep_url=$1 ep_with=$2
	shift 2
	ep_out=$(ep_config "$ep_with" | curl -sS -i -K - --connect-timeout 10 --max-time 60 \
		-w '\n@@EP@@%{http_code}@@%{errormsg}' "$@" "$ep_url" 2>/dev/null)
	ep_rc=$?
	ep_tail=${ep_out##*@@EP@@}
	EP_STATUS=${ep_tail%%@@*}
	EP_ERR=${ep_tail#*@@}
	ep_out=$(printf '%s' "${ep_out%@@EP@@*}" | tr -d '\r' | sed '/^HTTP\/[0-9.]* 1[0-9][0-9]/,/^$/d')
	EP_HEAD=$(printf '%s\n' "$ep_out" | sed '/^$/q')
	EP_BODY=$(printf '%s\n' "$ep_out" | sed '1,/^$/d' | tr -d '\n')
	return "$ep_rc"
}

# ep_use_key KEY: the API key the next calls send instead of AXYS_API_KEY.
ep_use_key() { EP_KEY=$1; }

# ep_config key|nokey prints curl's configuration for one call.
ep_config() {
	printf 'user-agent = "%s"\nheader = "X-Evidence-Script: %s"\nheader = "Accept: application/json"\n' "$EP_UA" "$EP_REQ"
	if [ "$1" = key ] && [ -n "$EP_KEY" ]; then
		printf 'header = "X-API-Key: %s"\n' "$(ep_quote "$EP_KEY")"
	fi
	if [ -n "${EP_DATA+set}" ]; then
		printf 'header = "Content-Type: application/json"\ndata-raw = "%s"\n' "$(ep_quote "$EP_DATA")"
	fi
}

# ep_quote escapes a value for a double-quoted curl configuration string.
ep_quote() { printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g'; }

# ep_header NAME prints the value of a header of the last answer (NAME and
# value in lower case).
ep_header() {
	printf '%s\n' "$EP_HEAD" | tr '[:upper:]' '[:lower:]' | sed -n "s/^$1:[[:space:]]*//p" | head -n 1
}

# ep_call METHOD PATH [BODY]: one API call through the sidecar (PATH is
# relative to /v2). It waits and retries on 429 (Retry-After, else a
# backoff) and on 5xx (1 s, 2 s, 4 s, 8 s); any other answer is returned in
# EP_STATUS and EP_BODY (the body on one line), and EP_TRIES says how many
# times the call was sent.
ep_call() {
	ep_m=$1 ep_p=$2
	ep_data "$@"
	ep_try=1 ep_delay=1
	while :; do
		ep_send
		case $EP_STATUS in
		429) ep_throttled ;;
		5[0-9][0-9]) ep_server_error ;;
		*) break ;;
		esac
		ep_try=$((ep_try + 1))
	done
	EP_TRIES=$ep_try
}

ep_send() {
	ep_curl "$EP_BASE$ep_p" key -X "$ep_m" ||
		ep_die 1 "$ep_m $ep_p: no answer from the sidecar at $EP_PROXY ($EP_ERR)"
	ep_say "$ep_m $ep_p -> $EP_STATUS"
}

ep_throttled() {
	[ "$ep_try" -lt 6 ] || ep_die 1 "$ep_m $ep_p: still 429 Too Many Requests after $ep_try tries: try again later"
	ep_wait=$(ep_header retry-after | sed -n 's/^\([0-9][0-9]*\)$/\1/p')
	if [ -z "$ep_wait" ]; then
		ep_wait=$ep_delay
		ep_delay=$((ep_delay * 2))
	fi
	[ "$ep_wait" -le 300 ] || ep_die 1 "$ep_m $ep_p: 429 asking to wait $ep_wait s (Retry-After): try again later"
	ep_say "429 Too Many Requests: waiting ${ep_wait}s as Retry-After asks, then the same call again"
	sleep "$ep_wait"
}

ep_server_error() {
	ep_kind=$(ep_header x-evidence-proxy-error)
	case $ep_kind in
	'' | timeout | reset) ;;
	*) ep_die 1 "$ep_m $ep_p: the sidecar answered $EP_STATUS itself ($ep_kind): $(ep_message)" ;;
	esac
	[ "$ep_try" -lt 5 ] || ep_die 1 "$ep_m $ep_p: still $EP_STATUS after $ep_try tries: staging is failing, try again later"
	ep_say "$EP_STATUS from staging: waiting ${ep_delay}s, then the same call again"
	sleep "$ep_delay"
	ep_delay=$((ep_delay * 2))
}

# ep_is STATUSES: whether EP_STATUS is one of STATUSES (codes or classes
# such as 2xx, joined by |).
ep_is() {
	ep_ifs=$IFS
	IFS='|'
	for ep_w in $1; do
		case $ep_w in
		?xx) case $EP_STATUS in "${ep_w%xx}"??) IFS=$ep_ifs && return 0 ;; esac ;;
		"$EP_STATUS") IFS=$ep_ifs && return 0 ;;
		esac
	done
	IFS=$ep_ifs
	return 1
}

# ep_expect STATUSES METHOD PATH [BODY]: ep_call, stopping unless the answer
# is one of STATUSES.
ep_expect() {
	ep_want=$1
	shift
	ep_call "$@"
	ep_is "$ep_want" || ep_unexpected "$ep_want"
}

ep_unexpected() {
	ep_hint=
	case $EP_STATUS in
	401) ep_hint=" (the API key was refused: check AXYS_API_KEY, or start the sidecar with --api-key)" ;;
	403) case $EP_BODY in *'No Authorised IPs configured'*) ep_hint=" (the calling IP is not allowlisted for staging, or fails forward-confirmed reverse DNS)" ;; esac ;;
	esac
	ep_die 1 "$ep_m $ep_p answered HTTP $EP_STATUS, expected $1: $(ep_message)$ep_hint"
}

# ep_message is the API's message in the last answer.
ep_message() {
	ep_msg=$(ep_str message)
	printf '%s' "${ep_msg:-no message}"
}

# ep_sim METHOD PATH [BODY]: a simulation endpoint of evidence-proxy's
# local emulator, which the Axys docs do not show (they name an exact
# deposit and a card spend simulation without their paths).
ep_sim() {
	ep_call "$@"
	[ "$EP_STATUS" != 404 ] ||
		ep_die 3 "$1 $2 answered 404: it is a simulation endpoint of evidence-proxy's local emulator (evidence-proxy emulate), not documented for Axys staging; run this script with the sidecar in front of the emulator, or do this step by hand as the script's header says"
	ep_is 2xx || ep_unexpected 2xx
}

# ep_num KEY and ep_str KEY print the first number or string value of KEY
# in the last answer (empty when there is none).
ep_num() {
	printf '%s' "$EP_BODY" | sed -n "s/\"$1\"[[:space:]]*:[[:space:]]*/@@EP@@/; s/^.*@@EP@@\(-\{0,1\}[0-9][0-9.]*\).*\$/\1/p"
}
ep_str() {
	printf '%s' "$EP_BODY" | sed -n "s/\"$1\"[[:space:]]*:[[:space:]]*/@@EP@@/; s/^.*@@EP@@\"\([^\"\\\\]*\)\".*\$/\1/p"
}

# ep_has_items KEY: whether KEY is a non-empty array in the last answer.
ep_has_items() {
	printf '%s' "$EP_BODY" | grep -q "\"$1\"[[:space:]]*:[[:space:]]*\[[[:space:]]*[^][:space:]]"
}

# ep_body_has REGEX: whether the last answer matches REGEX (grep's basic
# regular expressions).
ep_body_has() { printf '%s' "$EP_BODY" | grep -q -- "$1"; }

# ep_need VALUE WHAT: stops when a value the script needs is missing.
ep_need() {
	[ -n "$1" ] || ep_die 1 "$ep_m $ep_p answered HTTP $EP_STATUS without $2"
}

# ep_done MESSAGE: the evidence is produced.
ep_done() {
	ep_say "done: $*"
	exit 0
}

# ---- Entities ----------------------------------------------------------------

# ep_new_cardholder creates a cardholder with every required field
# (EP_CARDHOLDER).
ep_new_cardholder() {
	ep_expect 2xx POST /cardholders "$EP_PERSON"
	EP_CARDHOLDER=$(ep_num cardholderId)
	ep_need "$EP_CARDHOLDER" "a cardholderId"
}

# ep_read_cardholder ID reads the cardholder (EP_HOLDER_STATUS).
ep_read_cardholder() {
	ep_expect 2xx GET "/cardholders/$1"
	EP_HOLDER_STATUS=$(ep_num status)
	ep_need "$EP_HOLDER_STATUS" "the cardholder's status"
}

# ep_submit ID submits the cardholder to compliance and reads it back until
# it shows 3 (under review). A submission that ends at once in 6 (a
# processing error) is submitted again, twice at most; a brief 0 (pending)
# is read again after 2 s.
ep_submit() {
	ep_n=0
	ep_expect 2xx PUT "/cardholders/$1/kyc-submit"
	while :; do
		ep_read_cardholder "$1"
		ep_n=$((ep_n + 1))
		case $EP_HOLDER_STATUS in
		3) return 0 ;;
		6)
			[ "$ep_n" -le 2 ] || ep_die 1 "cardholder $1: the submission failed with status 6 three times"
			ep_say "cardholder $1: the submission ended in 6 (processing error); submitting it again"
			ep_expect 2xx PUT "/cardholders/$1/kyc-submit"
			;;
		0)
			[ "$ep_n" -le 3 ] || ep_die 1 "cardholder $1 stays in status 0 (pending) after its submission"
			sleep 2
			;;
		*) ep_die 1 "cardholder $1 is in status $EP_HOLDER_STATUS right after its submission (expected 3, under review)" ;;
		esac
	done
}

# ep_force ID pass|fail forces the review's outcome with the documented
# POST /staging/kyc/validate. It returns 1 when the review had already ended
# by itself (EP_HOLDER_STATUS then shows how).
ep_force() {
	ep_call POST /staging/kyc/validate "{\"cardholderId\":$1,\"result\":\"$2\"}"
	case $EP_STATUS in
	2??) return 0 ;;
	409)
		ep_read_cardholder "$1"
		ep_say "cardholder $1: the review ended by itself (status $EP_HOLDER_STATUS) before it could be forced"
		return 1
		;;
	404)
		case $(ep_message) in
		*[Cc]ardholder*) ep_unexpected 2xx ;;
		esac
		ep_die 1 "POST /staging/kyc/validate answered 404: the documented simulation endpoint is missing, so the sidecar's upstream is not Axys staging"
		;;
	esac
	ep_unexpected 2xx
}

# ep_forced_cardholder pass|fail [any]: a new cardholder, submitted, its
# review forced and the outcome read back (EP_CARDHOLDER): status 1 for
# pass, 2 for fail. A review that ends by itself first proves nothing
# forced, so another cardholder is made, three at most; with any, a review
# that approved the cardholder by itself is as good as a forced pass.
ep_forced_cardholder() {
	ep_want_status=1
	[ "$1" = pass ] || ep_want_status=2
	ep_k=0
	while [ "$ep_k" -lt 3 ]; do
		ep_k=$((ep_k + 1))
		ep_new_cardholder
		ep_submit "$EP_CARDHOLDER"
		if ep_force "$EP_CARDHOLDER" "$1"; then
			ep_read_cardholder "$EP_CARDHOLDER"
			[ "$EP_HOLDER_STATUS" = "$ep_want_status" ] ||
				ep_die 1 "cardholder $EP_CARDHOLDER shows status $EP_HOLDER_STATUS after a forced $1 (expected $ep_want_status)"
			return 0
		fi
		if [ "${2:-}" = any ] && [ "$EP_HOLDER_STATUS" = "$ep_want_status" ]; then return 0; fi
	done
	ep_die 1 "the reviews of three cardholders ended before they could be forced: staging decides faster than expected; run the script again"
}

# ep_approved_cardholder: a new cardholder, submitted and approved, forced
# or by its own review (EP_CARDHOLDER).
ep_approved_cardholder() { ep_forced_cardholder pass any; }

# ep_virtual_card CARDHOLDER issues a virtual card (EP_CARD, EP_MASKED).
ep_virtual_card() {
	ep_expect 2xx POST "/cards/virtual/$1" '{"nameOnCard":"JORDAN REYES"}'
	EP_CARD=$(ep_num cardId)
	ep_need "$EP_CARD" "a cardId"
	# shellcheck disable=SC2034 # read by the scripts
	EP_MASKED=$(ep_str maskedCardNumber)
}

# ep_physical_card CARDHOLDER issues a physical card on design slot 0
# (EP_CARD).
ep_physical_card() {
	ep_expect 2xx POST "/cards/assign/$1" '{"nameOnCard":"JORDAN REYES","cardType":0}'
	EP_CARD=$(ep_num cardId)
	ep_need "$EP_CARD" "a cardId"
}

# ep_card: an approved cardholder with a virtual card (EP_CARDHOLDER,
# EP_CARD).
ep_card() {
	ep_approved_cardholder
	ep_virtual_card "$EP_CARDHOLDER"
}

# ep_read_card ID reads the card (EP_CARD_STATUS, its issuerCardStatus).
ep_read_card() {
	ep_expect 2xx GET "/cards/$1"
	EP_CARD_STATUS=$(ep_num issuerCardStatus)
	ep_need "$EP_CARD_STATUS" "the card's issuerCardStatus"
}

# ep_balance ID reads the card's balances (EP_LEDGER, EP_AVAILABLE).
ep_balance() {
	ep_expect 2xx GET "/cards/$1/balance"
	EP_LEDGER=$(ep_num ledgerBalance)
	EP_AVAILABLE=$(ep_num availableBalance)
	ep_need "$EP_LEDGER" "a ledgerBalance"
	ep_need "$EP_AVAILABLE" "an availableBalance"
}

# ep_watch_balance CARD LEDGER AVAILABLE MAXWAIT [CAP]: reads the card's
# balances with a growing interval (2 s, doubling up to CAP seconds,
# default 8) while they stay as last read. It returns 0 once they are
# LEDGER and AVAILABLE, 1 when they become anything else or MAXWAIT seconds
# pass (EP_LEDGER and EP_AVAILABLE show the last read).
ep_watch_balance() {
	ep_l0=$EP_LEDGER ep_a0=$EP_AVAILABLE ep_d=2 ep_waited=0 ep_cap=${5:-8}
	while :; do
		if [ "$EP_LEDGER" = "$2" ] && [ "$EP_AVAILABLE" = "$3" ]; then return 0; fi
		if [ "$EP_LEDGER" != "$ep_l0" ] || [ "$EP_AVAILABLE" != "$ep_a0" ]; then return 1; fi
		[ "$ep_waited" -lt "$4" ] || return 1
		sleep "$ep_d"
		ep_waited=$((ep_waited + ep_d))
		ep_balance "$1"
		ep_d=$((ep_d * 2))
		[ "$ep_d" -le "$ep_cap" ] || ep_d=$ep_cap
	done
}

# ep_fund CARD AMOUNT credits the card at once through the emulator's
# deposit simulation (AMOUNT a decimal string such as "100.00").
ep_fund() {
	ep_sim POST /staging/deposits "{\"cardId\":$1,\"amount\":\"$2\",\"rail\":\"bank\",\"clearing\":\"instant\"}"
}

# ep_new_wallet NAME creates a wallet (EP_WALLET).
ep_new_wallet() {
	ep_expect 2xx POST /wallets "{\"name\":\"$1\"}"
	EP_WALLET=$(ep_num walletId)
	ep_need "$EP_WALLET" "a walletId"
}

# ep_guard_refuses METHOD URL [BODY]: asks the sidecar to forward to URL
# and stops unless it refuses itself (403, guard_refused).
ep_guard_refuses() {
	ep_guard_call "$@" || ep_die 1 "$1 $2: no answer from the sidecar ($EP_ERR)"
	ep_say "$1 $2 (through the sidecar as a proxy) -> $EP_STATUS"
	ep_refused_by_sidecar ||
		ep_die 1 "the sidecar did not refuse $2 (HTTP $EP_STATUS): it must never forward to production"
}

# ep_page LIST QUERY: pages LIST (a path) with limit 200 from offset 0
# until offset + limit reaches the total.
ep_page() {
	ep_off=0
	while :; do
		ep_expect 2xx GET "$1?$2&limit=200&offset=$ep_off"
		ep_total=$(ep_num total)
		ep_need "$ep_total" "a total"
		ep_off=$((ep_off + 200))
		[ "$ep_off" -lt "$ep_total" ] || return 0
	done
}
