// Package events receives the app's own evidence: the structured log
// records in which it says what it did with what its calls showed (the
// card screen unlocked after an approval, a support case opened after a
// decline, the ledger updated after a deposit). Each accepted entry becomes
// an evidence.Record of Kind evidence.KindEvent in the same store as the
// calls, redacted by the same recorder, numbered and hash-chained with
// them.
//
// # Endpoints
//
// A Receiver is the http.Handler of its own listener (cmd: --otlp-listen,
// default 127.0.0.1:4318), apart from the proxy's; Serve and Shutdown run
// it.
//
//	POST /v1/logs   OTLP/HTTP logs: an ExportLogsServiceRequest as
//	                application/x-protobuf or application/json, optionally
//	                Content-Encoding: gzip. Point an OpenTelemetry SDK or
//	                Collector at it with
//	                OTEL_EXPORTER_OTLP_LOGS_ENDPOINT=http://127.0.0.1:4318/v1/logs
//	POST /events    application/json: one Entry object or an array of
//	                them, for apps without OpenTelemetry (and the
//	                event command, through Send)
//
// OTLP is decoded with the protocol's own Go types
// (go.opentelemetry.io/proto/otlp) and google.golang.org/protobuf. JSON
// follows the OTLP JSON mapping: hex trace and span ids, lowerCamelCase
// names (the .proto names are accepted too), enums and 64-bit integers as
// numbers or strings, unknown fields ignored.
//
// # From a log record to an event
//
//   - Name: the log record's event_name (OTLP 1.5+), else its event.name
//     string attribute. A record with neither is rejected, never stored
//     nameless. Names over 256 bytes are rejected too (a cut name would be
//     another name).
//   - Time: time_unix_nano, else observed_time_unix_nano (UTC); the
//     record's own Time is when the receiver got it.
//   - Severity: severity_text, else the severity number's name (INFO,
//     WARN2, …).
//   - TraceID, SpanID: lower-case hex; all-zero ids count as none; an id
//     of the wrong length is rejected. On /events they come from a
//     traceparent field or attribute, or from trace_id and span_id.
//   - Attributes: a JSON object, keys sorted, the last of duplicate keys
//     kept. Values map as: string → string; bool → true/false; int →
//     number, exact (int64 is never quoted or rounded); double → number,
//     NaN and ±Inf → "NaN", "Infinity", "-Infinity"; bytes → base64
//     string (standard, padded); array → array; kvlist → object; unset →
//     null. /events values are kept as sent, numbers digit for digit.
//   - Resource: the resource's attributes (service.name, service.version,
//     …), the same way.
//   - Body: a string body as is; any other body as its JSON text.
//
// # Entity attributes and the mapping
//
// An event names the Axys entities it is about with the documented
// attributes axys.cardholder_id, axys.card_id, axys.wallet_id,
// axys.deposit_id and axys.transaction_id (AttrCardholderID …); the
// classifier keys event steps to entities through them, and links an
// event to the calls of its trace through TraceID. Apps with names of
// their own configure a Mapping (cmd: --event-attribute card_ref=axys.card_id):
// at intake the documented attribute is added beside the app's, with the
// same value, unless the event already has it. The stored evidence is
// self-contained: verifying a bundle needs no mapping.
//
// # Limits
//
// Per request: MaxRequestBytes (4 MiB) as sent and after gzip, else 413.
// Per entry: over MaxEventBytes (1 MiB) it is rejected; otherwise values
// over MaxValueBytes (4 KiB) are cut, attributes over MaxAttributesBytes
// (16 KiB) dropped from the end of the key order (the documented ones
// never), the body cut to MaxBodyBytes (16 KiB), and the event marked
// Truncated. At most MaxConcurrentRequests (4) requests are read and
// recorded at once; the others wait AdmissionWait (100ms), then get 429,
// so memory stays bounded under a flood and proxied calls, which have
// their own listener and goroutines, are unaffected.
//
// # Answers
//
// On /v1/logs, as OTLP/HTTP specifies, in the request's encoding:
//
//	200  ExportLogsServiceResponse; partial_success{rejected_log_records,
//	     error_message} when entries were rejected (no name, oversized,
//	     bad ids or time). Rejected entries must not be retried.
//	400  malformed protobuf, JSON or gzip (a google.rpc.Status saying why)
//	401  bearer token missing or wrong      413  body too large
//	415  content type or encoding not supported
//	421  Host not accepted                  429  throttled, Retry-After
//	503  store unavailable, or some events not recorded; Retry-After.
//
// 429 and 503 are the retryable ones; an SDK resends the whole batch, so
// after a 503 events the store did take may be recorded twice (never
// lost). /events answers a Result ({"accepted", "rejected", "errors"} or
// {"error"}) with the same codes; 400 when every entry was rejected.
//
// # Durability
//
// The receiver answers only after Store.RecordAll returned for every
// event: with sync durability, after their commit. The events of a
// request are handed over together, in request order, so they share
// group commits. With Options.Async (async durability) they are handed
// over paceChunk at a time, and the answer waits until the store
// has committed as many records as the request added (pace.go): a flood
// slows the exporter instead of overflowing the queue into gap records.
//
// # Authentication
//
// See auth.go: the Host header is always checked (loopback names and
// Options.Hosts, against DNS rebinding); content types are ones a browser
// cannot send cross-origin without a preflight; with Options.BearerToken
// every request needs it. cmd requires the token beyond loopback.
//
// # Metrics
//
// Registered on Options.Registerer:
//
//	evidence_proxy_events_accepted_total{source}          otlp | events | cli
//	evidence_proxy_events_rejected_total{reason}          no_name | oversized | invalid
//	evidence_proxy_events_truncated_total
//	evidence_proxy_events_store_failures_total
//	evidence_proxy_events_requests_total{endpoint,code}   v1_logs | events | other
//	evidence_proxy_events_request_duration_seconds{endpoint}
//	evidence_proxy_events_requests_in_flight
package events
