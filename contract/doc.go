// Package contract holds recorded calls against an OpenAPI description of
// the Axys Cards API v2: the app's requests (its bugs) and the upstream's
// responses (where staging differs from the docs), field by field.
//
// It reads evidence.Record values and knows nothing of bbolt, HTTP
// listeners, the coverage matrix or the recorder; it runs where the
// classifier runs, off the hot path.
//
// # The description
//
// The built-in description, openapi/axys-v2.yaml (Default), is OpenAPI 3.1
// written from the public docs as shared/reference/axys-api.md reads them:
// every documented endpoint with its path and query parameters, request
// and response bodies, types, required fields, enums, lengths, patterns and
// formats; the envelope ("status": "success" beside the payload; lists as
// {status, items, total, limit, offset}; errors as {"status": "error"} on a
// 4xx or 5xx). Its info.version ("2026.12.1") is versioned like the
// coverage matrix, and reports carry it. Where two pages disagree the
// stricter reading is enforced and the description says so (callingCode is
// exactly three digits, as the reference says, where the guides allow one
// to three).
//
// Extensions say how far each part is to be trusted:
//
//   - x-unseen: true marks what the docs leave unseen or only imply: most
//     GET response fields, the JSON names of the activate, PIN and
//     deprecated endpoints, the OTP listener's expiry. Such a schema or
//     parameter is described for the reader but never enforced: Parse
//     replaces every x-unseen subtree by the empty schema before compiling
//     it, so no finding can come from a guess. Responses are open
//     everywhere (an extra field is never a finding).
//   - x-staging-only: true marks the /staging/* simulation endpoints,
//     which exist only in staging (404 in production).
//   - x-emulator: true marks endpoints whose path the docs do not show
//     (delete a cardholder, list and read wallets, unsubscribe an OTP
//     listener, the /staging/* deposit, spend, 3-D Secure, bank-account
//     and fault endpoints). They are the local emulator's
//     (internal/axysemu) inventions, described and enforced as the
//     emulator's contract: calls to them can only mean the emulator.
//
// Documented request bodies are closed (additionalProperties: false): a
// field the endpoint does not know is a finding. Query parameters the
// description does not name are ignored, and header and cookie parameters
// are not checked.
//
// # What Check reports
//
// Check returns a Result per record: the operation it matched (method and
// template, "GET /cards/{cardId}") and its Findings, each with its side
// (request or response), the JSON path of the field
// ("request.body.callingCode", "request.query.limit",
// "response.body.items[0].cardId"), its Rule, the offending value and the
// record's seq. The rules are a closed set, fit for metric labels:
//
//	type, required, enum, length, pattern, format, unknown-field, range,
//	one-of, schema      a value against its schema
//	not-json            a body described as JSON that does not parse
//	content-type        a missing or undescribed Content-Type
//	status              a response status the operation does not describe
//	undocumented-endpoint, undocumented-method
//	                    a call outside the description: one finding, not
//	                    one per field
//	not-checked         a truncated body, an undecodable content encoding,
//	                    no response (a proxy error), the proxy's own answer
//
// Undocumented and not-checked findings are not violations
// (Rule.Violation): Result.RequestViolations, Result.Violates and
// Spec.RequestViolations, which the classifier uses to refuse a call as
// evidence for a requirement relying on a field, count only the others.
//
// Secrets: records are redacted before the validator sees them. A string
// holding a redaction ("[redacted:…]") is never judged (its original is
// unknown), and the value of any field whose name names a secret (cvv,
// pin, cardNumber, code, token, password…) is shown as "[masked]". Objects
// and arrays are shown as {…} and […]. Messages name the constraint,
// never the value.
//
// Summary aggregates Results into groups per side, endpoint, rule and
// field with counts, the calls the upstream accepted anyway, and the first
// MaxSeqs seq numbers: the same records in the same order give the same
// JSON bytes.
//
// # Replacing the description
//
// Load reads another description (YAML or JSON, OpenAPI 3.1 or 3.0), as
// given with --spec once Axys publishes theirs. It is checked against the
// OpenAPI meta-schema by github.com/pb33f/libopenapi-validator, and any
// problem (bad YAML, Swagger 2.0, an unsupported version, no paths, a
// schema that does not compile) is a *LoadError with the file, the line
// and column or the JSON pointer. Remote and file references are not
// followed.
//
// # Speed
//
// Schemas are rendered with their references inlined and compiled once
// per distinct schema by Parse (libopenapi-validator's JSON Schema 2020-12
// compiler, with format assertions). Check routes with a path trie and
// decodes each body once, building only the parts its schema can judge (a
// page of transactions keeps the six fields the description types, not
// all seventeen; see shape.go), then validates. Check is safe for
// concurrent use. BenchmarkCheck runs a realistic mix (BenchmarkCheckEach
// shows each record): most calls cost tens of microseconds; a page of 20
// transactions costs ten times more, almost all of it in the schema
// library's per-value validation.
package contract
