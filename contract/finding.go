package contract

import (
	"strconv"
	"strings"
)

// Side says whose fault a finding is: the app's request or the upstream's
// response.
type Side string

const (
	// SideRequest findings are the app's bugs: calls that do not match the
	// documented API, whether or not the upstream accepted them.
	SideRequest Side = "request"
	// SideResponse findings are where the upstream differs from the docs.
	SideResponse Side = "response"
)

// Rule is the kind of a finding. The set is closed, so it can be used as a
// metric label.
type Rule string

const (
	RuleType                 Rule = "type"                  // a value of the wrong JSON type (or a parameter that does not parse as one)
	RuleRequired             Rule = "required"              // a required field, parameter or body is absent
	RuleEnum                 Rule = "enum"                  // a value outside its enum (or const)
	RuleLength               Rule = "length"                // a string (or array) too short or too long
	RulePattern              Rule = "pattern"               // a string that does not match its pattern
	RuleFormat               Rule = "format"                // a string that is not in its format (date, date-time, uri…)
	RuleUnknownField         Rule = "unknown-field"         // a body field the endpoint does not describe
	RuleRange                Rule = "range"                 // a number below its minimum or above its maximum
	RuleOneOf                Rule = "one-of"                // a body that matches none (or more than one) of its alternatives
	RuleSchema               Rule = "schema"                // any other schema keyword
	RuleNotJSON              Rule = "not-json"              // a body described as JSON that does not parse
	RuleContentType          Rule = "content-type"          // a media type the endpoint does not describe
	RuleStatus               Rule = "status"                // a response status the endpoint does not describe
	RuleUndocumentedEndpoint Rule = "undocumented-endpoint" // a path outside the description
	RuleUndocumentedMethod   Rule = "undocumented-method"   // a described path called with another method
	RuleNotChecked           Rule = "not-checked"           // a part that could not be checked (truncated, no response…)
)

// Rules returns every rule kind, in a fixed order.
func Rules() []Rule {
	return []Rule{
		RuleType, RuleRequired, RuleEnum, RuleLength, RulePattern, RuleFormat, RuleUnknownField,
		RuleRange, RuleOneOf, RuleSchema, RuleNotJSON, RuleContentType, RuleStatus,
		RuleUndocumentedEndpoint, RuleUndocumentedMethod, RuleNotChecked,
	}
}

// Violation reports whether a finding of this rule means the message breaks
// the contract. Not-checked findings do not: they say what could not be
// looked at. Undocumented calls do not either: they are outside the
// contract, not against it.
func (r Rule) Violation() bool {
	switch r {
	case RuleNotChecked, RuleUndocumentedEndpoint, RuleUndocumentedMethod:
		return false
	}
	return true
}

// OtherEndpoint is the endpoint reported for calls outside the description;
// it matches coverage.OtherEndpoint.
const OtherEndpoint = "other"

// Finding is one way a recorded call differs from the description.
type Finding struct {
	// Seq is the record's sequence number.
	Seq  uint64 `json:"seq"`
	Side Side   `json:"side"`
	// Method and Endpoint name the described operation ("GET",
	// "/cards/{cardId}"); Endpoint is OtherEndpoint for an undocumented
	// path, and Method then one of the standard methods or "OTHER".
	Method   string `json:"method"`
	Endpoint string `json:"endpoint"`
	// Field is the JSON path of what is wrong: "request.body.callingCode",
	// "request.query.limit", "request.path.cardId",
	// "response.body.items[0].cardId", "response.status".
	Field string `json:"field"`
	Rule  Rule   `json:"rule"`
	// Value is the offending value as JSON, cut to MaxValueLen bytes, and
	// "[masked]" when the field names a secret or the value holds a
	// redaction; empty when there is no value (a missing field).
	Value string `json:"value,omitempty"`
	// Message says what the description expects, without the value.
	Message string `json:"message"`
}

// MaxValueLen is the longest Value a finding carries.
const MaxValueLen = 64

// Masked replaces the value of a secret field in findings.
const Masked = "[masked]"

// redactionMark starts every replacement the recorder writes
// ("[redacted:<fingerprint>]").
const redactionMark = "[redacted:"

// hasRedaction reports whether s holds a recorder replacement: the original
// value is unknown, so no value rule can be judged on it.
func hasRedaction(s string) bool { return strings.Contains(s, redactionMark) }

// secretWords are the field-name fragments whose values findings never
// show, and secretNames the whole names, matched on the name lowercased
// without '_', '-' and '.'. Records are already redacted; this is a second
// line. "callingCode" and "zipCode" stay readable: only a field named code
// (the OTP) is masked.
var (
	secretWords = [...]string{
		"cardnumber", "cvv", "cvc", "securitycode", "password", "passwd", "passphrase", "secret",
		"apikey", "accesstoken", "refreshtoken", "privatekey", "mnemonic", "seedphrase",
	}
	secretNames = [...]string{"pan", "code", "otp", "otpcode", "token", "cardno", "cardnum"}
)

// secretName reports whether a field name (the last segment of a path)
// names a secret.
func secretName(name string) bool {
	var buf [64]byte
	norm := buf[:0]
	for i := 0; i < len(name) && len(norm) < len(buf); i++ {
		c := name[i]
		switch {
		case c == '_' || c == '-' || c == '.':
		case c >= 'A' && c <= 'Z':
			norm = append(norm, c+'a'-'A')
		default:
			norm = append(norm, c)
		}
	}
	s := string(norm)
	if strings.HasSuffix(s, "pin") {
		return true
	}
	for _, n := range secretNames {
		if s == n {
			return true
		}
	}
	for _, w := range secretWords {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// lastName returns the last name segment of a field path:
// "request.body.items[2].cvv" gives "cvv".
func lastName(field string) string {
	if i := strings.LastIndexByte(field, '.'); i >= 0 {
		field = field[i+1:]
	}
	if i := strings.IndexByte(field, '['); i >= 0 {
		field = field[:i]
	}
	return field
}

// shown is the Value of a finding on field: masked for secrets and
// redactions, cut to MaxValueLen.
func shown(field, value string) string {
	if value == "" {
		return ""
	}
	if secretName(lastName(field)) || hasRedaction(value) {
		return Masked
	}
	if len(value) > MaxValueLen {
		cut := MaxValueLen - 3
		for cut > 0 && value[cut]&0xC0 == 0x80 {
			cut--
		}
		value = value[:cut] + "..."
	}
	return value
}

// quote is s as a JSON string.
func quote(s string) string { return strconv.Quote(s) }

// standardMethod returns m when it is an HTTP method the description can
// name, and "OTHER" otherwise, so that Method stays a bounded label.
func standardMethod(m string) string {
	switch m {
	case "GET", "PUT", "POST", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE":
		return m
	}
	return "OTHER"
}
