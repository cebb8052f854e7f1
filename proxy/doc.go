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
// allowlisted host is intercepted: the app's TLS is terminated with a
// certificate from the per-install CA (LoadOrCreateCA), and each request
// inside the tunnel is forwarded to the host it names. A CONNECT to a
// Passthrough host is tunnelled blind (counted, not recorded). Any other
// CONNECT gets a 403 JSON answer, and is recorded. Absolute-form requests
// (GET http://host/path, plain HTTP_PROXY use) are treated like requests
// inside a tunnel and recorded with mode "mitm". Upstream calls are always
// made over TLS.
//
// # The guard
//
// Only allowlisted hosts (Options.Allow, default staging.api.axyscards.com,
// plus the upstream's host) are forwarded to. The check runs at CONNECT
// and again on every request, on the host the request is really sent to:
// goproxy takes it from the inner Host header, which need not match the
// CONNECT. production.api.axyscards.com, and every name under it, is
// refused in both modes whatever the configuration (New rejects it in any
// list), including a base-URL call whose Host header names it. A refusal is
// a 403 answer
//
//	{"status":"error","message":"evidence-proxy is a staging evidence recorder: refusing to forward to production.api.axyscards.com","error_kind":"guard_refused","host":"production.api.axyscards.com"}
//
// and it is recorded (a synthetic response, error kind guard_refused). As
// production can never be reached, neither can a /staging/* call reach a
// non-staging host.
//
// # The interception CA
//
// NEVER goproxy's built-in CA, whose private key is public. The CA is an
// ECDSA P-256 key made on first run under the data directory (key file
// 0600), valid two years, with critical X.509 name constraints permitting
// only the allowlisted names (and no IP address unless one is
// allowlisted), so a stolen key cannot impersonate any other site. Leaves
// are issued per host, valid a week, cached and renewed a day early.
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
// # Metrics
//
// Registered on Options.Registerer:
//
//	evidence_proxy_proxy_calls_total{mode,method,endpoint,code_class}   counter
//	evidence_proxy_proxy_upstream_duration_seconds{mode}                histogram (classic + native)
//	evidence_proxy_proxy_calls_in_flight                                gauge
//	evidence_proxy_proxy_guard_refusals_total{reason}                   counter: production, not_allowlisted, bad_host
//	evidence_proxy_proxy_errors_total{kind}                             counter: evidence.ErrorKind values
//	evidence_proxy_proxy_passthrough_tunnels_total                      counter
//	evidence_proxy_proxy_record_failures_total                          counter
//	evidence_proxy_proxy_panics_total                                   counter
//	evidence_proxy_proxy_mitm_certificates_issued_total                 counter
//
// mode is base-url or mitm; method is a standard method or OTHER; endpoint
// comes from Options.EndpointLabel (default "other"); code_class is 1xx…5xx
// for what the app received, or none.
package proxy
