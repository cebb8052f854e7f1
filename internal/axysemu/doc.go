// Package axysemu is a local, in-memory emulator of the Axys card-issuing
// API's staging environment (https://staging.api.axyscards.com/v2): the
// upstream of evidence-proxy's end-to-end tests and of "evidence-proxy
// demo", and what "evidence-proxy emulate" serves.
//
// It follows the fact sheet (shared/reference/axys-api.md). Where the public
// docs are silent, this comment records the emulator's choice; each such
// choice is marked "chosen".
//
// # Use
//
//	emu := axysemu.New(axysemu.Options{Seed: 7, TimeScale: 0.001})
//	defer emu.Close()
//	mux.Handle("/v2/", emu.Handler()) // behind your own listener
//
//	srv, err := axysemu.Start(ctx, axysemu.StartOptions{}) // mTLS on a free loopback port
//	defer srv.Close()
//	client := srv.Client() // carries srv.ClientCert; add "X-API-Key: "+srv.APIKey
//
// # Transport and authentication
//
// Start serves TLS 1.2+ and requires a client certificate signed by the
// emulator's CA (RequireAndVerifyClientCert): without one, or with one from
// another CA, the handshake fails and no HTTP response exists, as on the
// platform. The server certificate covers 127.0.0.1, ::1, localhost and
// staging.api.axyscards.com; the CA is name-constrained to those and its
// key is never written to disk. Certificates are ECDSA P-256 (the platform
// issues RSA-2048 against a CSR; clients do not care). The Handler alone
// (New, without Start) checks no TLS: mount it behind your own mTLS
// listener, or use it directly in unit tests.
//
// Then, in the platform's layer order: when the allowlist is denied
// (Options.DenyAllowlist, SetDenyAllowlist, or a forced 403 fault) every
// call answers 403 "No Authorised IPs configured" — the two-cause 403, since
// an IP-allowlist failure and an FCrDNS failure look the same; then a
// missing or wrong X-API-Key answers 401 (chosen: "missing X-API-Key header"
// or "invalid API key"). An Idempotency-Key header is accepted and ignored;
// every POST creates a new object.
//
// # Envelopes, errors and status codes
//
// Success: {"status":"success", …fields beside it}. Lists:
// {"status":"success","items":[…],"total":N,"limit":L,"offset":O}.
// Errors (chosen): {"status":"error","message":"…"}, and a validation
// message starts with the field's JSON name ("firstName: must be 2 to 50
// characters").
//
// Chosen: a single object whose own state is called status is returned
// without the envelope, as GET /otp/{token} is documented: GET
// /cardholders/{id} returns the cardholder with its numeric status (0–7) at
// the top level, and GET /otp/{token} returns {"status":"received",…}. Other
// single objects (card, balance, wallet) carry "status":"success" beside
// their fields. The register-bank-account and transfer responses carry the
// envelope too (the docs' examples omit it; a client checking
// json.status === 'error' is unaffected).
//
// Status codes (chosen where the docs name none): 200 for every success,
// creations included; 400 for a request that cannot be read — malformed
// JSON, a body that is not an object, a wrong JSON type, an unknown field
// (all bodies are strict: a misspelt field is an error, not ignored), a bad
// query parameter, a non-numeric id in the path; 422 for well-formed but
// invalid values — a missing required field, a length, enum, format or
// range, a limit above the cardholder's, wrong activation details, a wrong
// current PIN, an unsupported transfer direction; 404 for an unknown id or
// path (and every /staging/* path in production); 405 with Allow for a known
// path with another method; 409 for an operation the object's state forbids
// (locked fields, issuing to a cardholder who is not approved, activating a
// card not in status 4, changing the status of a card not in 1 or 2,
// validating KYC outside status 3, insufficient wallet funds, a closed
// card); 413 for a body over Options.MaxBodyBytes (64 KiB); 507 once a kind
// of object reaches 100,000; 429 and 5xx from chaos. The emulator never
// answers a panic with a crash: a recovered panic is a logged 500, and
// handlers validate fully before changing state.
//
// # Conventions
//
// Money in the main API is in minor units (1000 = $10.00); the Program's
// currency is USD (0), its transactionLimit ceiling $50,000.00, and design
// slots 0 and 1 are active (2–5 are not). Chosen: card-transaction and fee
// amounts (strings in the docs) are decimal strings in major units
// ("12.34"), like the /staging/* amounts. Dates are RFC 3339 UTC strings
// (chosen); before and after filters are unix seconds, after ≤ t < before.
// Ids are sequential per kind (cardholders from 10001, cards 8001, wallets
// 3001, deposits 7001, wallet transactions 90001, card transactions "5000001",
// fees 60001); authRefNum is 12 random digits. limit is 1–200 (default 50),
// offset ≥ 0, sort asc (default) or desc; an unknown orderBy is a 400.
// Unknown query parameters are ignored.
//
// # Resources (chosen details)
//
// Cardholders: firstName and lastName 2–50, nationality 2–50, placeOfBirth
// three capitals, country and countryCallingCode two capitals, dob a past
// YYYY-MM-DD, adrLine1 2–100, city and state 1–50, zipCode 2–12,
// callingCode 1–3 digits (stored zero-padded to 3), cellNum and phoneNum
// 10–20 digits, emailAdr 6–50 with an @. Required on create: all of these
// but phoneNum (it defaults to cellNum). The Program is not authorised for
// SumSub, so sumsubEnabled 1 is a 422 and the SumSub token path (unseen) is
// not served. The locked fields are the personal ones (names, gender,
// nationality, placeOfBirth, dob, address): PUT /cardholders/{id} is allowed
// in 2, 4, 6, 7 only, answers 409 naming the first locked field otherwise,
// and sends the cardholder back to 4. PUT …/update (limit, contact) is
// allowed in any status but 5; lowering the limit lowers card limits above
// it. DELETE /cardholders/{id} (path chosen) moves 1, 2, 4, 7 to 5.
// kyc-submit is allowed from 4, 2, 6, 7 and returns applicationLink (a fake
// https://kyc.emulator.invalid/… URL); kyc-url/refresh works in 3 and, as
// the test matrix uses it, re-submits from 2.
//
// Cards: nameOnCard is required (1–26), alias 0–50, cardType 0–5 (default
// 0). PANs start with 4, are Luhn-valid and stay below 2^53 so JavaScript
// clients can send them as integers to PUT /cards/{id}/activate, which takes
// cardNumber, expMonth, expYear (YYYY or YY), cvv and newPin as integers.
// PUT /cards/{id}/pin takes currentPin and newPin (4-digit strings; names
// chosen) on an Active or On Hold card; the default PIN is the PAN's last
// four digits. cardStatus is always 1 (approved at once). Closed (3) cannot
// be reached through the API. transactionLimit is per transaction.
//
// Transaction type (chosen): 1 purchase, 2 crypto deposit, 3 bank deposit,
// with a "direction" of debit or credit. Purchases go 1 Pending
// (authorised, availableBalance reduced) → 2 Cleared (ledgerBalance
// reduced) → 3 Completion (settled); deposits go 1 (ledger credited) → 3
// (available credited); declines are 4 with a declineReason; 5 only when
// forced. Fee type (chosen): 1 FX; a cross-border spend (merchant country
// or currency not US/USD) pays 2 % unless told otherwise, in a fee sharing
// the purchase's authRefNum. Wallet-transaction type (chosen): 1 bank
// deposit, 2 transfer to a wallet, 3 transfer to a card; transStatus 0
// pending, 1 completed. Wallets are listed by GET /wallets and read by GET
// /wallets/{id} (paths chosen). Transfers are immediate; card-sourced
// transfers (a sourceCardId, or sourceType 1) are a 422 naming the support
// ticket. Bank-deposit traces (every field optional): with a
// transactionAmount the money arrives (ledger after verification, available
// after clearing); without one nothing moves. The deprecated blockchain
// trace endpoints and register-wallet-address answer, but move no money: an
// assertion stays pending and expires after 24 h. Bank-account
// registrations answer {"depositId":…,"statusText":"pending"} and become
// "confirmed" or "expired" (values chosen; expiry after 10 minutes). Other
// deposit records go "pending" → "detected" (ledger credited) → "cleared"
// (available credited); GET /staging/deposits/{id} shows any of them.
//
// OTP: POST /otp/listeners takes exactly one of cardId (an Active card) or
// cardholderId (an approved cardholder), and an optional http(s)
// webhookUrl (the platform requires public HTTPS; the emulator also accepts
// http for loopback). Listeners never expire; DELETE /otp/listeners/{token}
// (chosen) unsubscribes. GET /otp/{token} answers status "pending" before
// any challenge (chosen), "received" with code and expiresAt, then
// "expired" with the code withheld. The webhook is a POST of exactly
// {"cardId":N} with Content-Type application/json, tried 3 times with
// 1 s, 2 s (scaled) backoff, 5 s timeout each; no signature.
//
// # The emulation engine
//
// Asynchronous processes are events on a queue with emulated due times;
// before each call, every event due by the clock (Options.Now) is applied,
// in due-time order. No timer or goroutine drives them, so the emulator's
// answers are a function of the seed, the calls and the clock readings: the
// same seed and script give byte-identical responses. Every delay below is
// multiplied by Options.TimeScale; timestamps are always Now.
//
//	KYC review           log-normal, median 20 min, 30 s – 12 h; outcome
//	                     1 (85 %), 2 (11 %), 6 (2 %), 7 (2 %); half the
//	                     reviews show status 0 for 2–30 s first; 2 % of
//	                     submissions fail at once with 6
//	crypto deposit       ledger after 2 s – 10 min (median 20 s), available
//	                     5 s – 30 min later (median 60 s)
//	bank deposit         ledger at once (simulated) or after verification
//	                     (trace, median 5 min), available 1–5 days later
//	card purchase        cleared 5 min – 72 h later (median 2 h), settled
//	                     12–36 h after that
//	3DS OTP              5 min (or expiresInSeconds, ≤ 1 h)
//	bank-account OTP     10 min;  blockchain assertion: 24 h
//
// # Chaos
//
// Options.Chaos (flags --latency, --error-rate, --throttle-rate,
// --rate-limit, --rate-burst) adds a uniform random latency, random 500,
// 502 or 503, random 429 with Retry-After, and a token-bucket rate limit
// answering 429 with Retry-After (whole seconds). Decisions come from their
// own seeded stream, are made before the handler runs (a failed call has no
// side effect), and spare /staging/* so tests can always force a state.
// POST /staging/faults forces the next calls' status exactly.
//
// # /staging/* endpoints
//
// Only POST /staging/kyc/validate is documented. The others are chosen;
// amounts are decimal strings ("10.00", ≤ 2 decimals, 0.01 – 10,000,000).
// All answer 404 under the production profile.
//
//	POST /staging/kyc/validate                   {cardholderId, result: pass|fail} → {"status":"success","result":{}}; 409 unless status 3
//	POST /staging/deposits                       {cardId | walletId, amount, rail?: crypto|bank, chain?: evm|bitcoin|solana,
//	                                              asset?, clearing?: natural|instant, transactionReference?}
//	                                              → {depositId, rail, amount, ledgerAt, availableAt} (unix s); wallets take bank only
//	GET  /staging/deposits/{depositId}            any deposit record: kind, statusText, amounts, expiresAt
//	POST /staging/cards/{cardId}/spend           {amount, merchantName?, mcc?, merchantCountry?, merchantCurrency?, merchantAmount?,
//	                                              crossBorder?, fee?, outcome?: approve|decline|error, clearing?, description?}
//	                                              → {transId, authRefNum, transactionStatus, declineReason?, fee, balances}
//	POST /staging/cards/{cardId}/3ds-challenge   {merchantName?, amount?, expiresInSeconds?} → new OTP on every listener
//	                                              covering the card, webhooks POSTed; 409 without a listener
//	GET  /staging/cards/{cardId}/sensitive       {cardNumber, cvv, expMonth, expYear}: the plastic, to activate with
//	POST /staging/bank-accounts/{depositId}/confirm   the cardholder answered the SMS OTP → "confirmed"
//	POST /staging/bank-accounts/{depositId}/expire    the SMS OTP expired now → "expired"
//	POST /staging/faults                         {status: 403|429|500|502|503|504, count?: 1–100} (emulator only)
//
// A declined or failed spend is still a 200 from /staging: the simulation
// worked; transactionStatus says what the card network decided. A spend is
// declined when forced, when the card is not Active, above the card's
// transactionLimit, or above availableBalance (amount plus fee).
//
// # Walkthrough with curl
//
// Start it (the credentials are written on the first run and reused):
//
//	evidence-proxy emulate --certs-dir /tmp/x
//	D=/tmp/x B=https://127.0.0.1:8443/v2
//	axys() { m=$1 p=$2; shift 2; curl -sS --cacert $D/ca.pem --cert $D/client-cert.pem \
//	  --key $D/client-key.pem -H "X-API-Key: $(cat $D/api-key.txt)" \
//	  -H 'Content-Type: application/json' -X "$m" "$B$p" "$@"; echo; }
//
// The empty Program, then a cardholder (→ status 4, id 10001):
//
//	axys GET /cardholders      # {"status":"success","items":[],"total":0,"limit":50,"offset":0}
//	axys POST /cardholders -d '{"firstName":"Jordan","lastName":"Reyes","emailAdr":"jordan@example.com",
//	  "gender":0,"nationality":"American","placeOfBirth":"USA","dob":"1990-05-14",
//	  "adrLine1":"123 Market Street","city":"San Francisco","state":"CA","country":"US",
//	  "zipCode":"94105","callingCode":"001","cellNum":"4155550100","countryCallingCode":"US"}'
//
// KYC: submit (→ 3), see a locked field refused, force the outcome (or
// poll and let the engine decide), check:
//
//	axys PUT /cardholders/10001/kyc-submit                 # applicationLink
//	axys PUT /cardholders/10001 -d '{"lastName":"Smith"}'  # 409 lastName: locked …
//	axys POST /staging/kyc/validate -d '{"cardholderId":10001,"result":"pass"}'
//	axys GET /cardholders/10001                            # "status":1
//
// Cards: a virtual card (Active at once) and a physical one, activated with
// the details on its plastic:
//
//	axys POST /cards/virtual/10001 -d '{"nameOnCard":"JORDAN REYES"}'           # cardId 8001, cryptoAddresses
//	axys POST /cards/assign/10001 -d '{"nameOnCard":"JORDAN REYES","cardType":0}' # 8002, issuerCardStatus 4
//	axys GET /staging/cards/8002/sensitive
//	axys PUT /cards/8002/activate -d '{"cardNumber":<PAN>,"expMonth":<m>,"expYear":<y>,"cvv":<cvv>,"newPin":1234}'
//
// Deposits: crypto with natural timing (ledger first, available later:
// poll), bank cleared at once, and a wallet funding the card:
//
//	axys POST /staging/deposits -d '{"cardId":8001,"amount":"100.00","rail":"crypto","asset":"USDC"}'
//	axys GET /cards/8001/balance                           # poll: ledgerBalance 10000, then availableBalance 10000
//	axys POST /staging/deposits -d '{"cardId":8001,"amount":"50.00","rail":"bank","clearing":"instant"}'
//	axys POST /wallets -d '{"name":"Treasury"}'            # walletId 3001
//	axys POST /staging/deposits -d '{"walletId":3001,"amount":"500.00","clearing":"instant"}'
//	axys POST /wallets/transfer -d '{"sourceWalletId":3001,"destinationType":1,"destinationId":8001,"amount":2500}'
//
// Spend: a cross-border purchase with its fee, and a decline:
//
//	axys POST /staging/cards/8001/spend -d '{"amount":"12.34","merchantName":"Cafe de Flore",
//	  "merchantCountry":"FR","merchantCurrency":"EUR","merchantAmount":"11.40"}'  # fee 0.25, status 1
//	axys POST /staging/cards/8001/spend -d '{"amount":"5000.00"}'                 # status 4, insufficient funds
//
// 3-D Secure: subscribe, challenge, read the OTP:
//
//	axys POST /otp/listeners -d '{"cardId":8001}'          # token
//	axys POST /staging/cards/8001/3ds-challenge -d '{}'
//	axys GET /otp/<token>                                   # "status":"received", code, expiresAt
//
// Reconciliation: page the two card datasets, fetch wallet movements, join
// fees to transactions on authRefNum:
//
//	axys GET '/cards/transactions?cardId=8001&limit=200&offset=0'
//	axys GET '/cards/fees?cardId=8001&limit=200&offset=0'
//	axys GET '/wallets/transactions?cardId=8001'
//
// With --time-scale 0.001 the natural processes (KYC review, clearing, OTP
// expiry) happen 1000 times faster; with --profile production every
// /staging/* call above answers 404.
package axysemu
