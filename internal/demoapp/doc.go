// Package demoapp is the integrator's app that "evidence-proxy demo" runs:
// a scripted Axys client that behaves as a well-built integration would,
// configured only by a base URL and an API key (the mTLS client certificate
// lives in the sidecar). It drives the emulator through the proxy so the
// proxy records real evidence, and it never fabricates any: what the
// emulator cannot produce in the time available is skipped and said so in
// the Result.
//
// # The script
//
// Run plays scenarios in order, each producing evidence for named
// requirements of the built-in coverage matrix (coverage/matrix/axys-v2.yaml):
//
//	onboard-approved     create with every field, submit, locked edit → 409,
//	                     poll, staging pass, poll to 1      row-1 row-6 L1–L3
//	onboard-declined     staging fail, see 2, refresh the link (re-submits),
//	                     staging pass, poll to 1            row-2 row-3
//	onboard-natural      five reviews left to the engine, polled from one
//	                     queue; 6 re-submitted, 7 escalated  row-4 row-5 if drawn
//	card-*               virtual and physical issuance, details, activation,
//	                     block/unblock, refused status changes, update with an
//	                     over-limit refusal, PIN           row-8 row-9 C1–C6 L4–L11
//	fund-crypto          exact deposit, balance polled under the natural delay
//	                                                        C7 (when seen) C8 L7
//	bank-account         registration whose SMS OTP expires, registered again,
//	                     confirmed                          C11 C11-expiry L12
//	bank-trace           trace notice, ledger seen to move   L13 (C12 stays partial)
//	wallets              two wallets, funded, wallet→card, wallet→wallet  C13 L14 L15
//	transfer-from-card   card→wallet refused                C14
//	spend                precise, declined and cross-border purchases  C9 C10
//	otp-3ds              listener with the app's webhook, challenge, OTP read;
//	                     an OTP left to expire, re-requested for the same card
//	                                                        C15 C15-expiry L17
//	error-handling       400, 401, 403 (allowlist), 404, 429, 5xx provoked and
//	                     handled                            E400–E5xx C17 C18
//	https-proxy          a few calls through HTTPS_PROXY (Options.MITMClient)
//	production-guard     one probe of production through the sidecar, which
//	                     must refuse it                     G1 G2
//	reconciliation       transactions, fees and wallet movements paged to
//	                     their totals over one window, fees joined on
//	                     authRefNum                         C16 L16
//
// Options.Mishandle adds scenarios that do it wrong (polling without pause,
// a card for a declined cardholder, ignoring Retry-After, a blind duplicate
// transfer after a 5xx, a refused update repeated) so tests can show the
// report calls them violated, plus one malformed call staging accepts (a
// cardholder created with callingCode "1", where the API documents three
// digits), which only the contract findings show; it also leaves out the
// support case after a compliance decline (EV-decline stays unmet). The
// demo never sets it.
//
// # How the app handles what it meets
//
//   - Throttling: a 429 is retried after its Retry-After (wall-clock time,
//     never scaled); every call may be.
//   - Server faults and lost answers: reads and repeatable writes are
//     retried with exponential backoff (200 ms, 400 ms, … at most 5
//     attempts); creations and money movements are not re-sent blindly:
//     the app first looks for what the failed call may have created (the
//     cardholder by email, the card among the cardholder's cards, the
//     wallet by name, the transfer among the wallet's movements) and sends
//     the same request again only if nothing is there.
//   - Other 4xx answers are never repeated unchanged: the app logs them and
//     moves on (a locked field, an invalid status, a limit above the
//     cardholder's), corrects the request (a page size above 200), or
//     reloads its credentials (401). The two-cause 403 "No Authorised IPs
//     configured" is logged with both causes to check, the IP allowlist and
//     FCrDNS, and checked again after a pause.
//   - Compliance outcomes follow the polling recipe: 1 done; 2 a fresh link
//     (which re-submits); 6 submitted once more; 7 a support ticket and no
//     automatic retry.
//
// # Time
//
// The emulator compresses its delays by a time scale; Options.TimeScale
// must be the same factor. The polling schedule (10 s, 20 s, 40 s … 5 min)
// is in emulated time and slept scaled. Read etiquette is in wall-clock
// time and is not scaled: a resource showing no change is read at most
// three times in a row less than Options.MinPollInterval (1 s) apart, then
// no sooner than that after the last answer. Under heavy compression the
// app therefore sees some quick changes only after they are over; it then
// says so (a crypto deposit whose ledger and available balance moved
// between two reads does not claim C7) instead of claiming them.
//
// # What the demo cannot produce
//
// Row 7 (polling over hours) needs hours of wall-clock time. Rows 4 and 5
// appear only when the engine draws status 7 or 6. The bank rail's
// available balance clears days (emulated) after the trace. The production
// probe runs only with a sidecar in between. Result.Notes lists what a run
// missed.
package demoapp
