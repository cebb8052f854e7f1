// Package proxy is evidence-proxy's forwarding side: the app-facing
// listener, base-URL mode and HTTPS_PROXY (CONNECT + interception) mode,
// the per-install interception CA, the upstream mTLS transport, the host
// guard, timeouts, the JSON answers the proxy makes itself, and the
// capture of each call into an evidence.Record.
//
// It knows nothing of storage: every finished call is handed to a
// Recorder, an interface declared here. Redaction is the recorder's job;
// this package never logs URLs, headers or bodies.
//
// # Modes
//
// Both modes share one listener (Serve) and one recording round trip, so
// they record, guard and fail the same way.
//
// Base-URL mode: the app sets its base URL to the sidecar, e.g.
// http://127.0.0.1:8080/v2, and sends origin-form requests. They are
// forwarded to Options.Upstream (default https://staging.api.axyscards.com/v2)
// by net/http/httputil.ReverseProxy. Paths are joined on their escaped
// form, with B the upstream path without trailing slash:
//
//	listener path          upstream path (B = /v2)
//	/v2/cardholders        /v2/cardholders   (path starts with B: kept)
//	/v2                    /v2
//	/cardholders           /v2/cardholders   (otherwise: B + path)
//	/staging/kyc/validate  /v2/staging/kyc/validate
//
// The query string is forwarded unchanged and the path is never cleaned.
// The Host header becomes the upstream's; no X-Forwarded-* header is added.
//
// HTTPS_PROXY mode: the app uses the sidecar as its proxy. A CONNECT to an
// allowlisted host:port is intercepted: the app's TLS is terminated with a
// certificate from the per-install CA, and each request inside the tunnel
// is forwarded to the host it names. A CONNECT to a Passthrough host:port
// is tunnelled blind (counted, not recorded). Any other CONNECT gets a 403
// JSON answer, and is recorded. Absolute-form requests (GET
// http://host/path, plain HTTP_PROXY use) are treated like requests inside
// a tunnel and recorded with mode "mitm". Upstream calls are always made
// over TLS, so a target without a port means :443.
//
// The app must trust the CA in addition to what it already trusts;
// TrustGuide is the text that says how, client by client. SSL_CERT_FILE,
// CURL_CA_BUNDLE, REQUESTS_CA_BUNDLE and Java's javax.net.ssl.trustStore
// each replace the trust store, so they get a bundle of the system roots
// plus the CA (WriteTrustBundle) or a copy of the JDK's cacerts with the CA
// imported (JavaTrustSteps), never the CA alone; NODE_EXTRA_CA_CERTS adds
// to Node's roots and gets the CA alone. Real curl, Python requests, Node
// (undici's ProxyAgent) and Java HttpClient clients are tested through
// this mode against the emulator, by IP address and by host name.
//
// # The guard
//
// The allowlist is host:port. Only the upstream, on its URL's port (443
// when the URL names none), and the Options.Allow entries (default
// staging.api.axyscards.com; an entry without a port means :443) are
// forwarded to. staging.api.axyscards.com:80, or the upstream's host on
// another port, is refused like any other target. The check runs at
// CONNECT and again on every request, on the host:port the request is
// really sent to: goproxy takes it from the inner Host header, which need
// not match the CONNECT. production.api.axyscards.com, and every name
// under it, is refused on any port in both modes whatever the
// configuration (New rejects it in any list), including a base-URL call
// whose Host header names it. A refusal is a 403 answer
//
//	{"status":"error","message":"evidence-proxy is a staging evidence recorder: refusing to forward to production.api.axyscards.com","error_kind":"guard_refused","host":"production.api.axyscards.com"}
//
// and it is recorded (a synthetic response, error kind guard_refused). As
// production can never be reached, neither can a /staging/* call reach a
// non-staging host. The answer for a target that is merely not
// allowlisted names it as host:port, lists what is allowed, and says what
// to do: add the host to the app's NO_PROXY so the app reaches it
// directly, or start the sidecar with --passthrough-host to tunnel it
// unrecorded.
//
// The sidecar never dials its own listeners: the addresses Serve listens
// on and Options.ListenAddrs (the admin listener's). A call to the admin
// listener would carry the staging client certificate and API key to the
// endpoint that exports the store; one to the proxy listener would loop.
// An allowlisted target that names one by address (or localhost) is
// refused before any dial (reason own_listener); and every upstream
// connection is checked after connect, on the peer address whatever a
// name resolved to, loopback and all-addresses listeners included, and
// closed before a byte is sent if it reached one.
//
// # The interception CA
//
// NEVER goproxy's built-in CA, whose private key is public. The CA is an
// ECDSA P-256 key under the data directory (key file 0600), valid two
// years, with critical X.509 name constraints permitting only the
// allowlisted names (and no IP address unless one is allowlisted), so a
// stolen key cannot impersonate any other site. Leaves are issued per
// host, valid a week, cached and renewed a day early. They name the host
// in the subject alternative name only (an IP SAN for an IP address), with
// no common name: OpenSSL checks a host-like common name against the CA's
// DNS name constraints and fails an IP host as a "permitted subtree
// violation".
//
// Its lifecycle has no traps. LoadCA reads an existing CA as it is and
// creates nothing (ErrNoCA when there is none); CreateCA makes one, and
// callers call it only once their checks passed. A CA that does not
// permit a host allowlisted later, or has expired, is still loaded: a
// CONNECT to such a host gets a 502 JSON answer saying to run
// "evidence-proxy ca rotate" (RotateCommand), is recorded, and is warned
// about (rate-limited); base-URL mode, which does not use the CA, keeps
// working. CheckCA and UnpermittedHosts tell the same before a Proxy
// exists. RotateCA makes a new CA for the current hosts, keeps the old
// files as timestamped backups, and says what must be re-trusted.
//
// # Upstream transport
//
// NewTransport builds one *http.Transport: the staging client certificate,
// roots from a file or the system, TLS 1.2+, verification always on, no
// proxy from the environment (Proxy nil, goproxy's ConnectDial nil: in a
// sidecar HTTPS_PROXY may point back at the sidecar), HTTP/1.1 keep-alive,
// no transparent decompression, and the Timeouts. It refuses a missing,
// expired, not-yet-valid, non-client-auth or self-signed ("CA-less")
// certificate and a key that does not match, naming which.
//
// The proxy makes the transport's TLS connections itself (its
// DialTLSContext, see tlsDialer in transport.go), exactly as net/http
// would: the same configuration and roots, ServerName set to the host,
// the handshake timeout, the own-listener check on the dialled peer. It
// does so to know each new connection's host and port, which
// tls.Config.VerifyConnection does not: Options.UpstreamHandshake, when
// set, is told of every successful handshake once per connection (cmd
// hands it to the provenance collector, which records the server's
// certificate chain), never per call.
//
// # Failures are answers
//
// Every failure becomes a JSON answer {"status":"error","message":…,
// "error_kind":…} with the header X-Evidence-Proxy-Error, and a record:
// connection refused, DNS, TLS, reset → 502; timeouts → 504 (408 when the
// app's own body is too slow); store unhealthy (Recorder.Healthy) → 503
// and nothing is forwarded. A panic ends only its own call (500). If the
// upstream answered but the record could not be committed, the app still
// gets the response (its side effect happened), with
// X-Evidence-Proxy-Warning: not recorded.
//
// # Capture and durability
//
// Bodies are captured up to Options.BodyCap (default 1 MiB) and recorded
// decoded per Content-Encoding (gzip, deflate, br, zstd) while the
// upstream's bytes are forwarded untouched, Content-Length and framing
// included. A body that claims an encoding it does not have is recorded
// raw (Base64) with DecodeError. Longer bodies are forwarded whole and
// recorded truncated. Memory per call is bounded by a few times the cap
// (request and response read-ahead, decoding), whatever the body sizes.
//
// Record is called before the app gets the end of its response, so with
// sync durability a response the app received is a committed record:
//
//   - a response body within the cap is read whole, recorded, and only
//     then sent (a record failure can still be flagged in a header);
//   - a longer body streams, and the record is committed before its last
//     byte is handed on (a record failure is then only logged and
//     counted: the head is already sent).
//
// Record timing: Time is when the call arrived; DurationUS runs until the
// record is completed; UpstreamUS from sending the request upstream until
// its response was received in full or failed.
//
// # Timeouts
//
// Timeouts cover the upstream dial, TLS handshake, response head, whole
// exchange and idle connections, and on the app side the request head, the
// request body (per read) and every write. Connections accepted by Serve
// are wrapped so that MITM tunnels, which net/http no longer governs once
// hijacked, keep an idle deadline per read and write, a deadline for the
// TLS handshake and each request head, and a byte limit on request heads
// (MaxHeaderBytes). Shutdown drains tunnels between calls.
//
// # Operator logs and readiness
//
// Warnings that can repeat per call are rate-limited per kind
// (Options.LogEvery, default 30s): the first of a burst at once, then one
// summary per interval with the count ("repeated", "over") and the last
// occurrence's attributes, and the pending ones at Shutdown. Kinds:
// upstream_connect and upstream_tls (an upstream call failed; for TLS,
// whether the upstream asked for a client certificate, the issuers it
// accepts and the issuer of ours, so a certificate from the wrong CA reads
// "the upstream accepts client certificates issued by X; ours is issued by
// Y" rather than "certificate required"; the same sentence ends the app's
// 502), upstream_state, guard_refused, mitm_handshake (the app rejected
// the interception certificate), ca_unusable, record_failed and
// access_log_dropped. Log lines never hold URLs, headers or bodies.
//
// UpstreamState is the upstream's last known state for /readyz, separate
// from the store's: healthy until Options.UnhealthyAfter (default 3)
// consecutive transport failures of real calls, or at once on a TLS or
// certificate failure; healthy again after one call that got a response
// (any status). One failed call among good ones changes nothing. Probe
// (ProbeUpstream without a Proxy) makes one TLS handshake with the client
// certificate, sends no request, and reports the server's chain (subject,
// issuer, SHA-256, validity) and, on failure, a diagnosis; Probe counts in
// UpstreamState like a call.
//
// The optional access log (Options.AccessLog) has one JSON line per call:
//
//	{"time":"2026-05-06T07:08:09.123Z","seq":42,"method":"GET","endpoint":"/cards/{cardId}","status":200,"duration_ms":12.345,"error_kind":"","mode":"base-url"}
//
// time is when the call arrived; seq is the record's sequence number when
// Options.AccessLogSeq says Record returns with it set (sync durability),
// and absent otherwise; method is a standard method or OTHER; endpoint is
// the template from Options.EndpointLabel ("other" without one), never
// the raw path; status is what the app received (0: nothing, the app went
// away). No query string, header or body is ever written. The line is
// formatted into a recycled buffer and handed to a goroutine the proxy
// owns over a bounded queue: a call never waits for the log, a line that
// does not fit is dropped and counted
// (evidence_proxy_proxy_access_log_dropped_total), and Shutdown writes
// what is queued and flushes. With the option unset nothing runs.
//
// # Trace context
//
// A call's W3C trace context is recorded from a valid traceparent request
// header (version 00, or a later version read as 00; not all-zero ids, one
// header only) in evidence.Record.Trace, so app events can be correlated
// with their calls. The header itself is recorded with the others.
//
// # Metrics
//
// Registered on Options.Registerer:
//
//	evidence_proxy_proxy_calls_total{mode,method,endpoint,code_class}   counter
//	evidence_proxy_proxy_upstream_duration_seconds{mode}                histogram (classic + native)
//	evidence_proxy_proxy_calls_in_flight                                gauge
//	evidence_proxy_proxy_guard_refusals_total{reason}                   counter: production, not_allowlisted, bad_host, own_listener
//	evidence_proxy_proxy_errors_total{kind}                             counter: evidence.ErrorKind values
//	evidence_proxy_proxy_passthrough_tunnels_total                      counter
//	evidence_proxy_proxy_record_failures_total                          counter
//	evidence_proxy_proxy_panics_total                                   counter
//	evidence_proxy_proxy_mitm_certificates_issued_total                 counter
//	evidence_proxy_proxy_access_log_dropped_total                       counter
//
// mode is base-url or mitm; method is a standard method or OTHER; endpoint
// comes from Options.EndpointLabel (default "other"); code_class is 1xx…5xx
// for what the app received, or none.
package proxy
