// Package coverage judges recorded API traffic against the auditor's
// coverage matrix: which go-live scenarios the integration has produced
// evidence for, which it has not, and where it mishandled something.
//
// The matrix is data (matrix/axys-v2.yaml, embedded; DefaultMatrix). A file
// given with --matrix replaces it, or, with "extends: axys-v2", adds to it:
// its requirements replace those with the same id in place, new ones are
// appended, and "drop: [id, …]" removes requirements a program does not
// need. ParseMatrix is strict: an unknown key, endpoint, area, entity,
// field or rule kind, a duplicate id or a malformed predicate is a
// *MatrixError naming its line. Matrix.Canonical is the merged matrix as
// plain YAML; its SHA-256 identifies the matrix in every report.
//
// The Engine is one pure function of the ordered record stream: Observe
// each record in sequence order, Report at any time. It reads no clock (its
// "now" is the latest record time), so offline (Compute) and live (Live, fed
// after each commit) give byte-identical JSON for the same records. Its
// memory grows with the entities it follows and the failures still in
// their window, never with the number of records; evidence lists keep the
// first calls that prove a point.
//
// # A requirement
//
//   - id: row-6                       letters, digits, . _ -; a metric label
//     title: Edit of a compliance-locked field refused with 409
//     area: error-handling            call-traces | state-transitions | error-handling | reconciliation
//     basis: test-matrix row 6        where it comes from ("inferred C12" when we guessed)
//     conditional: physical-cards     optional: physical-cards | bank-rail | 3ds | wallets
//     rule: …                         how the evidence is judged (below)
//     forbid: […]                     optional: calls that make it violated
//     steps: […]                      commands through the proxy that produce the evidence
//
// # Calls
//
// A call pattern is "METHOD TEMPLATE [STATUS]": GET /cards/{cardId} 2xx,
// "* /staging/* any", PUT /cardholders/{cardholderId} 409. Templates come
// from the endpoint catalogue (Endpoints); TEMPLATE "*" is any endpoint
// and "/prefix/*" any endpoint under it. STATUS is a code, a class (4xx),
// none (no response at all) or any, joined by |; without it any answer
// matches. A matcher is a pattern, a list of patterns (any of them), or a
// mapping:
//
//	call: PUT /cardholders/{cardholderId} 409
//	where: response.body.message contains "locked"     predicates on the call, all must hold
//	when: cardholder.status in [0, 1, 3]               the entity's known state before the call
//	key: path.cardholderId                             which entity the call is about
//	origin: upstream                                   upstream (default) | proxy | any
//	undocumented: true                                 wildcards also take calls outside the catalogue
//
// By default only answers from the API itself count; the proxy's own
// answers (guard refusals, synthetic 502s) count with origin proxy or any.
// forbid matchers default to any: an attempt is an attempt.
//
// Calls outside the documented API are never evidence: a path the
// catalogue does not have, a documented path with an extra segment, a
// method the endpoint does not document, a path outside /v2. They are
// counted in the inventory as "other", and a forbid still sees them (a
// call to production is one whatever its path); a matcher takes them only
// with undocumented: true, which matrix check flags.
//
// Predicates are "<reference> <operator> [operand]". References:
// request.body.…, response.body.… (a JSON path; items[] stands for every
// element, and a predicate holds if it holds for one; the predicates of
// one matcher that read through the same array hold for one element
// together: items[].cardId == $key and items[].status == 4 ask for one
// item of the card with status 4, never two items), request.query.NAME,
// request.header.NAME, response.header.NAME, path.NAME (a template
// parameter), request.host, request.method, request.path, response.status,
// response.synthetic, error.kind, error.message. Operators: exists,
// missing, nonempty, empty, ==, !=, <, <=, >, >=, in [list], not in [list],
// contains "text", not contains "text" (and, on entity state in a
// sequence's observe steps, rises, falls, unchanged, changes, rises by N
// and falls by N). Operands are JSON literals ("pass", 4, true, null),
// $key, the entity a rule follows, or $name, a value an earlier step of a
// sequence captured. The negative operators (!=, not in, not contains)
// also hold when the value is missing. A truncated body that may hide the
// value makes every predicate on it false, and a truncated body is never
// a whole body (response.body not contains "x" does not hold): the engine
// never guesses.
//
// # Entities and state
//
//	entities: {cardholder: cardholderId, card: cardId, wallet: walletId}
//	state:
//	  - call: GET /cardholders/{cardholderId} 2xx
//	    entity: cardholder          keyed by path.cardholderId unless key says otherwise
//	    set: {status: response.body.status}
//	aliases:
//	  - call: POST /otp/listeners 2xx
//	    name: token                 afterwards path.token (any reference named token) …
//	    entity: card
//	    value: response.body.token
//	    means: request.body.cardId  … stands for this card
//
//	transitions:
//	  - call: PUT /cardholders/{cardholderId}/kyc-submit 2xx
//	    entity: cardholder
//	    set: {status: 3}            a literal, or a reference (request.body.newStatus)
//
// Entity state is what responses showed and what successful calls imply.
// A state source reads a field from a response; a transition, only for a
// 2xx, sets what the documented state machine fixes after the call (a
// submission puts the cardholder under review). The latest wins, a read
// overriding an inference and a transition a stale read; in one call the
// response beats the inference. "when" predicates and forbid read this
// state and need it known; a state never seen nor implied matches
// nothing; a null shows no value. Observe steps and polling read only what
// responses showed: an
// implied state never satisfies an observe step, and rises, falls,
// unchanged and changes compare with the value a response last showed. A
// call's rules see the state from before the call; what it shows and
// implies is applied after.
//
// # Rule kinds
//
// call: met when a call matches; partial when a non-GET call to the
// endpoint was tried and did not come off (refused, or missing a field).
//
// sequence (by, within, steps, without): ordered steps about one entity,
// all within the window from the first. A step is a matcher (keyed to the
// entity, or narrowing a list with "… == $key"), "any: [matchers]", or
// "observe: [state predicates]" — a response showing the entity in that
// state, where rises, falls, unchanged and changes compare the field with
// its value before that response. Met when every step was seen in order;
// partial when the first ones were.
//
// A call step may capture values for later steps:
//
//	capture: {amount: request.body.amount * 100}   the number there, times 100
//	observe: card.ledgerBalance rises by $amount    exactly that much (to a billionth)
//	capture: {txn: response.body.transId}          the value itself, a number or string
//	where: response.body.items[].transId == $txn   a later call shows that one
//
// The step matches only when every captured value is there (a number when
// scaled). "rises by" and "falls by" also take a positive number. without
// lists calls, keyed to the entity like steps (origin any by default),
// that break its progress:
// after one, what the entity shows could be that call's doing, so the
// sequence must start again from its first step (a call that is both
// starts it afresh). A deposit's rise is the deposit's only with no
// transfer, spend or other deposit to the card in between.
//
// retry (after, within, wait, required, backoff, once, max, renew): what
// follows a failed call, to the same call (method, URL and body). A retry
// sooner than wait ("retry-after" reads the header) is violated; so is the
// same call succeeding twice after a failure with once (a duplicate side
// effect), and the identical call repeated more than max times with the
// same answer (a retry loop on an error that will not go away). With
// required, a failure never retried within the window leaves it partial;
// with backoff, later retries must wait longer than the first.
//
// A second success is no duplicate when what the first one made has
// lapsed. renew lists such calls, each naming what its success makes and
// the state it lapses into:
//
//	renew:
//	  - call: POST /cardholders/{cardholderId}/register-bank-account 2xx
//	    key: response.body.depositId        read from the earlier success
//	    when: deposit.statusText == "expired"   the state known before the repeat
//
// A repeat in any other state, or with the state never seen, stays a
// duplicate; a lapsed repeat is a new request, not a retry.
//
// poll (read, watch, while, min_interval, max_fast, backoff, span, reads,
// until_change, without): repeated reads of one entity while the watched
// fields stay the same. Reading an unchanged entity more than max_fast
// (default 3) times in a row faster than min_interval is violated. A run
// proves the requirement when it has enough reads, spans long enough, backs
// off (largest gap at least twice the first, none under half the largest
// before it), ends by showing the change when until_change is set, and
// saw no "without" call for the entity (a forced outcome). A read whose
// watched field changed kind (text for a number) is no reading of it.
//
// paged (lists, window): every list fetched completely over the same
// window (the values of the window query parameters): pages from offset 0,
// each where the last ended, until offset + items >= total (without a
// total, until a page shorter than its limit). Pages skipped or a stop
// before the total leave it partial. Only the window narrows: a
// call with any query parameter outside the window and limit, offset, sort
// and orderBy (the fees of one authRefNum) fetched a subset and counts for
// nothing.
//
// all / any: every part met, or one part met. The parts of an all are
// about one entity: it is met only when one entity met every part, never
// by parts about different cards. The entity is the one every part names
// (a sequence's by, the parameter every call's path carries; a part with
// a key or where … == $key takes it), or given with the mapping form:
//
//	all: {by: card, parts: [rule, …]}
//	all: {by: none, parts: [rule, …]}   independent parts: matrix check flags it
//
// A keyed part is a call, a sequence following the entity, or an all or
// any of such parts. requires [ids]: every named requirement met; a
// checklist item that restates a test-matrix row or an inferred row is
// defined through it. A violated part makes the whole violated.
//
// # Lint
//
// Matrix.Lint (matrix check) warns, with the line, about rules that
// compile but can claim evidence that is not there: an all declared by:
// none; a requirement met by a 2xx of an endpoint whose answer shows an
// outcome (a state source reads it) without testing that answer or
// observing it afterwards; a matcher with undocumented: true.
//
// # Verdicts
//
// met: the listed calls prove it. partial: some of the evidence is there.
// missing: none; the report carries the steps that would produce it.
// violated: the listed calls show mishandling; it wins over met. Evidence
// is the ascending sequence numbers of the calls, bounded in number.
//
// A requirement's first_met is the record at which the engine first saw it
// met (it may be violated since): after each record, the requirements the
// record concerns are checked, backing off to one check every 128 of their
// records while one stays unmet, so the mark is at most that many of its
// records after the proof. The marks are the same however the records are
// batched; reports draw the requirements met over time from them.
//
// # Reports
//
// A Document is a report as shown: the Report, the sections its caller
// adds and how to render it, in four formats (Document.Write: json, md,
// html, table; WriteJSON, WriteMarkdown, WriteHTML and WriteTable render a
// bare Report). Every format shows, in order: the header; the sections
// placed at the top (provenance); the next steps; the sections placed
// after them (audit readiness); the summary, the requirements met over
// time and the requirements; the endpoint inventory and statuses; the
// sections placed at the end (contract findings); and, in HTML and
// Markdown, the calls the document embeds.
//
// A Section has an id (its key under "sections" in the JSON, before the
// report's own fields, and its element id in the HTML), a title, a
// placement, and a body per format: a JSON value, Markdown, an HTML
// fragment with optional CSS, text lines for the table. A format shows a
// section only when it has a body for it. The bodies are their makers',
// who escape them; the renderer writes the titles escaped, refuses ids
// that are invalid, repeated or the report's own, and CSS that could end
// the style element. ReadDocumentJSON gives the sections back raw, by id.
//
// The next steps list every requirement that is not met: violated first
// (the client must change; the steps say how to show the fix, with a
// window starting after it: --since), then missing (the go-live test
// scripts can produce the evidence: evidence-proxy scripts --out DIR),
// then partial, each in matrix order with its explanation, the calls it
// rests on and the matrix's steps. The commands read EVIDENCE_PROXY_URL
// (the sidecar's proxy listener, without the /v2 the commands add: the
// live one with RenderOptions.ProxyURL, a value to set otherwise) and
// AXYS_API_KEY (empty when the sidecar adds its own key: KeyAdded), which
// the section defines; steps written with the older $PROXY and $KEY are
// shown with these names (StepCommand).
//
// Evidence numbers link to RenderOptions.CallsURL + seq (the admin
// listener's /calls/{seq}), or, in a bundle, to the calls embedded at the
// end of the page (Document.Calls, summaries without bodies, each with an
// element id call-N; CallList collects them as records go by). With
// RenderOptions.Refresh the HTML page reloads itself (a meta refresh: the
// Content-Security-Policy allows no script but the print helper). The
// render options never change the JSON, and equal documents give equal
// bytes.
package coverage
