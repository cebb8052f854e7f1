// Package golive is the go-live kit: test scripts that fill the gaps of a
// coverage report, the audit-readiness view the auditor reads beside the
// requirements, and the verification of the switch to production. It
// reads coverage reports and matrices (coverage.Report, coverage.Matrix)
// and, for the readiness view, records fed to it in sequence order; it
// never opens a store.
//
// # Test scripts
//
// WriteScripts writes, for every requirement a report shows missing or
// partial (or those asked for), one POSIX sh script that drives the flow
// through the sidecar, plus lib.sh (what they share), run-all.sh and a
// README.md. The scripts need sh and curl only; answers are read with sed
// (no jq). The bodies are embedded data (scripts/<requirement>.sh, with
// scripts/catalog.yaml saying what each produces, how long it takes and
// which /staging/* endpoints it calls); a header generated per script
// names the requirement, its title and status, the evidence it produces
// and the variables it reads. The matrix's own steps stay human-readable
// curl lines.
//
// Every script reads EVIDENCE_PROXY_URL (the sidecar's proxy listener; the
// script adds /v2) and AXYS_API_KEY (the staging key, or set and empty
// when the sidecar adds the key), and before any call refuses (exit 2)
// when either is unset, when AXYS_ENV is set to anything but staging (the
// go-live page's environment guard; it is then set to staging), when the
// URL names Axys itself (production above all), and when the sidecar does
// not answer. That last check is one request, in proxy form, for a
// .invalid host: evidence-proxy refuses it itself (403, guard_refused,
// recorded as a refusal) without calling anything, and its
// X-Evidence-Proxy-Error header proves the sidecar is there. The API key
// and the bodies reach curl through its configuration on stdin, and
// answers stay in shell variables: no secret (the key, a card number read
// to activate a card, an OTP) is ever on a command line or in a file.
//
// Every answer's status is checked; an unexpected one stops the script
// with the API's message (exit 1). 429 waits as Retry-After asks (else a
// doubling backoff) and retries; 5xx retries after 1 s, 2 s, 4 s, 8 s.
// Polls read no faster than the matrix allows, with growing intervals. A
// script never repeats a call that failed with 4xx, and makes its failing
// calls unique (a nonce), so that scripts run together never look like a
// retry loop. A review that ends by itself before a script can force it
// proves nothing forced: the script starts again with a new cardholder.
//
// Every call carries User-Agent: evidence-proxy-script/<version>
// (<requirement>) and X-Evidence-Script: <requirement> (ScriptHeader), so
// the report can tell a script's evidence from the app's.
//
// Only POST /staging/kyc/validate is documented by Axys. The other
// simulation endpoints the scripts call (deposits, spends, the plastic's
// details, 3-D Secure challenges, bank OTP expiry, forced faults) are the
// emulator's (internal/axysemu); each script's header marks them
// emulator-only, and a script whose such endpoint answers 404 stops with
// exit status 3 and says so. A script whose documented endpoint answers
// 404 says the sidecar's upstream is not staging.
//
// Requirements no script can honestly produce in minutes get either a
// long script (ScriptLong: row 7 polls a review for over two hours, C12
// waits days for clearing) that says how long it takes, which run-all.sh
// runs only with --long, or an explanation (rows 4 and 5: outcomes the
// review engine only draws sometimes), written to README.md. A
// requirement whose rule is requires gets a script that runs those of its
// parts (ScriptComposite); run-all.sh runs the parts once. A violated
// requirement gets no script: the app must change.
//
// The tests close the loop: for every script, a fresh sidecar (a real
// proxy.Proxy and recorder.Store) in front of a fresh emulator runs it
// with sh, and the requirement goes from missing to met with nothing
// violated, in the coverage computed from that store. Waits run on a
// virtual clock the emulator, the sidecar and the script's sleep and date
// share, so the long scripts run too.
//
// # The audit-readiness view
//
// BuildReadiness turns a report into the view the auditor reads: the four
// kinds of evidence of the go-live page (one per matrix area), each with
// its requirements, their status and where their evidence calls came from
// (app, test script, both; from a ScriptCalls index fed the same records
// as the coverage engine); the production-only set-up the integrator
// confirms; the behaviours the emulation engine does not test, which the
// integrator acknowledges; and what remains. It passes no verdict: the
// review is the auditor's. The content is data (content/readiness.yaml,
// embedded, versioned, named in the view by id, version and SHA-256);
// WriteContent prints it for matrix show.
//
// The script header is a claim by whoever sent the call, not a proof: it
// marks evidence as produced by a script so that the auditor sees what the
// app did not produce itself. An app never sends it.
//
// The integrator answers the checklist in a small YAML file
// (ParseChecklist, LoadChecklist; WriteChecklistTemplate writes one to
// fill in):
//
//	content: axys-go-live 2026.12.1
//	setup:
//	  production-certificate: {confirmed: true, note: "issued 2026-11-20 from prod-2026.csr"}
//	not_tested:
//	  kyc-documents: {acknowledged: true, note: "first live cardholders are staff"}
//
// Unknown keys or items, an answer that is not true or false, and a
// missing or empty note are errors naming the line (*ChecklistError). A
// note says where something is recorded, never the secret itself: a note
// with seven or more digits in a row (an account or card number) or a
// private key is refused. The file travels in the bundle as it is
// (Checklist.Raw) and by its SHA-256 in the view.
//
// The view renders as JSON (WriteReadinessJSON, ReadReadinessJSON), a
// Markdown section (WriteReadinessMarkdown) and an HTML fragment
// (WriteReadinessHTML, styled by ReadinessCSS) for the coverage report's
// formats and the bundle; every string from the traffic, the matrix or
// the checklist is escaped, and equal inputs give equal bytes.
//
// # Verifying the switch to production
//
// VerifyProduction is the only code of evidence-proxy that ever contacts
// production, and only on request. It makes exactly the two calls the
// go-live page documents: GET /cardholders must answer 200 with a list
// envelope (the certificate, the IP allowlist with forward-confirmed
// reverse DNS and the API key all work), and POST /staging/kyc/validate
// with {"cardholderId": 1, "result": "pass"} must answer 404 (no
// simulation endpoints: this really is production). PlanProduction is the
// dry run: the same checks of the input, the two requests, no call.
//
// Before any call it refuses the staging base URL (ErrStagingURL), plain
// HTTP and unreadable or shared credential files, and checks that the
// production certificate, its key and its API key are not the staging
// ones the store saw (StagingCredentials, from the store's provenance: the
// client certificates' SHA-256 and DER, the API keys' redaction
// fingerprints, compared through the store's own Fingerprint); if one is,
// no call is made. Each failure is diagnosed by layer: the server's
// certificate (not the Axys API, or intercepted), the client certificate
// refused in the handshake (expired, not yet valid, or not issued for
// production), 403 "No Authorised IPs configured" (the IP allowlist or
// FCrDNS), 401 (the API key), and a simulation endpoint that answers (200,
// or a 404 or 4xx that shows it looked the request up: the base URL still
// points at staging).
//
// The Result holds the public facts of the certificate, the API key's
// fingerprint only, and for each call its status and the API's message,
// never a header or a body (production's cardholders are counted, not
// kept). SignResult signs it with the bundle key as a DSSE envelope
// (dsse.Sign, payload type ResultPayloadType); CheckResult verifies one
// against the pinned key (dsse.Open) and its own consistency.
package golive
