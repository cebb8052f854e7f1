// Package admin serves the sidecar's admin listener: an index at /,
// /metrics, /healthz, /readyz, /coverage, /calls, /snapshot, /export and,
// when given one, /ca.pem. It is kept apart from the proxy listener
// because in base-URL mode every path there belongs to the upstream.
//
// The admin listener is loopback-only by default: /snapshot hands out the
// whole (redacted) evidence store, so exposing it beyond the pod or host is
// the operator's explicit choice, and two doors stay shut whatever the
// address.
//
// # Host check (DNS rebinding)
//
// A web page on attacker.example can have a browser send requests to
// 127.0.0.1:9090 under the attacker's name (its DNS answer changes to
// 127.0.0.1 after the page loads) and read the answers, since to the
// browser they come from the page's own origin. So every request's Host
// must be one that cannot be rebound: "localhost", an IP literal
// (127.0.0.1, [::1], a pod IP: a browser sends the name it resolved, never
// the address, and probes and scrapers address pods by IP), with any port,
// or one of Options.Hosts (cmd's --admin-host). Any other Host gets 421
// Misdirected Request saying how to allow the name. The check applies to
// every path.
//
// # Authentication
//
// With Options.BearerToken set (cmd requires one when the listener is
// bound beyond loopback), every path needs "Authorization: Bearer TOKEN",
// compared in constant time, except:
//
//   - /healthz and /readyz: orchestrator probes, which carry no
//     credentials; they say only whether the sidecar runs and can record;
//   - /metrics: Prometheus scrapes; the metrics hold counts, durations and
//     bounded labels, never a secret or a recorded value;
//   - /ca.pem: the proxy's interception CA certificate, public by nature
//     (the apps must trust it), fetched by init steps that hold no token.
//
// /snapshot, /export, /coverage and anything that exports data (and any
// path not listed above, known or not) answer 401 without the token,
// saying how to send it. The token is never logged.
//
// # Exports and time windows
//
// GET /export?since=&until= answers with a signed evidence bundle of the
// records in the window (both bounds optional): the sidecar writes it from
// a snapshot of its store and signs it with its own key (Options.Export),
// so that the key never leaves its data directory and every bundle of one
// store has one signer. One export runs at a time; another is refused with
// 429 and Retry-After. A failure before the first byte is a 503 saying
// why; a failure after it aborts the transfer, so that a client never
// takes a short bundle for a whole one (verify would refuse it anyway).
//
// ?since= and ?until= take what --since and --until take
// (evidence.ParseWindow: RFC 3339, a date, "now", or a duration back from
// now such as 2h or 7d, against the listener's clock); a bad value or an
// empty window is a 400 saying what is accepted. /coverage takes the same
// window when the sidecar can compute one (Options.CoverageIn).
//
// # The index and the recorded calls
//
// GET / lists the paths the listener serves and which need the token (it
// needs the token itself). GET /calls lists the latest recorded calls
// (newest first in HTML; in ascending order with ?format=json), filtered
// by from, to (sequence numbers), since, until (as above), kind, method,
// endpoint (a template or a prefix such as /cards/*), status (404, 4xx,
// none, error) and entity (an id in the path, the query or a body's id
// members), at most limit (100 by default, 1000 at most); it reads at most
// 200,000 records back from the head and says when older ones may match.
// GET /calls/{seq} shows one record as stored, with its chain hash and the
// requirements of the live report whose evidence names it (HTML, or JSON
// with ?format=json); the live coverage report's evidence numbers link
// there. Both need the token.
//
// Records are redacted by the recorder before they are written, so these
// pages show fingerprints ([redacted:…]) where secrets were; they add
// nothing but the record's own fields and the requirements' ids, titles
// and verdicts, all escaped by html/template. The pages load nothing, run
// no script and may submit their filter form only to the listener itself
// (PageCSP).
package admin
