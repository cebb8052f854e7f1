package recorder

import (
	"net/http"
	"net/textproto"
	"strings"
)

// commonHeaders returns header names seen on most calls; their verdicts
// are worked out once per Redactor.
func commonHeaders() []string {
	return []string{
		"Accept", "Accept-Encoding", "Accept-Language", "Access-Control-Allow-Origin", "Age",
		"Cache-Control", "Connection", "Content-Encoding", "Content-Language", "Content-Length",
		"Content-Security-Policy", "Content-Type", "Date", "Etag", "Expires", "Host", "If-None-Match",
		"Keep-Alive", "Last-Modified", "Location", "Origin", "Pragma", "Referer", "Retry-After",
		"Server", "Strict-Transport-Security", "Traceparent", "Tracestate", "Transfer-Encoding",
		"User-Agent", "Vary", "Via", "X-Content-Type-Options", "X-Forwarded-For", "X-Forwarded-Proto",
		"X-Request-Id",
	}
}

func (r *Redactor) commonHeaderVerdicts() map[string]bool {
	common := commonHeaders()
	v := make(map[string]bool, len(common)+len(r.headers))
	for _, h := range common {
		v[h] = r.headerSecretSlow(h)
	}
	for h := range r.headers {
		v[h] = true
	}
	return v
}

// headerSecret reports whether the values of header name are secrets: it
// is one of the rules' headers, or a secret name (X-Card-Pin, X-OTP,
// X-Auth-Token, X_API_KEY).
func (r *Redactor) headerSecret(name string) bool {
	if v, ok := r.headerVerdicts[name]; ok {
		return v
	}
	return r.headerSecretSlow(name)
}

func (r *Redactor) headerSecretSlow(name string) bool {
	return r.headers[textproto.CanonicalMIMEHeaderKey(name)] || r.names.match(stringBytes(name))
}

// redactHeader returns h with secrets replaced, copying it on first change.
// A header name holding a card number is renamed to its fingerprint.
func (r *Redactor) redactHeader(h http.Header) (http.Header, int) {
	var out http.Header
	n := 0
	for name, values := range h {
		changed, k := r.redactHeaderValues(values, r.headerSecret(name))
		newName, kn := name, 0
		if hasDigits(stringBytes(name), minPANDigits) {
			newName, kn = r.scanString(name)
		}
		if changed == nil && kn == 0 {
			continue
		}
		n += k + kn
		if out == nil {
			out = h.Clone()
		}
		if changed != nil {
			out[name] = changed
		}
		if kn > 0 {
			out[newName] = append(out[newName], out[name]...)
			delete(out, name)
		}
	}
	if out == nil {
		return h, 0
	}
	return out, n
}

// redactHeaderValues returns a copy of values with secrets replaced, or nil
// when nothing changed.
func (r *Redactor) redactHeaderValues(values []string, sensitive bool) ([]string, int) {
	var changed []string
	n := 0
	for i, v := range values {
		nv, k := v, 0
		switch {
		case sensitive && v != "" && !isFingerprint(v):
			nv, k = r.fingerprint(v), 1
		case sensitive:
		case strings.Contains(v, "://") || strings.HasPrefix(v, "/"):
			nv, k = r.RedactURL(v)
		default:
			nv, k = r.redactTextOrQuery(v)
		}
		if k == 0 {
			continue
		}
		n += k
		if changed == nil {
			changed = append([]string(nil), values...)
		}
		changed[i] = nv
	}
	return changed, n
}

// redactTextOrQuery redacts a header value or a text body: by the query
// rules when it reads as a query, else as text. Text that reads as a query
// once its secrets are replaced ("pan=0A4111 1111 1111 1111") goes
// through the query rules too, so that redacting again changes nothing.
func (r *Redactor) redactTextOrQuery(s string) (string, int) {
	if looksLikeQuery(stringBytes(s)) {
		return r.redactQuery(s, 0)
	}
	out, n := r.scanString(s)
	if n > 0 && looksLikeQuery(stringBytes(out)) {
		var k int
		out, k = r.redactQuery(out, 0)
		n += k
	}
	return out, n
}

// looksLikeQuery reports whether p reads as a query or form string
// ("a=1&pin=2"): a '=' and no white space, ';' or ','. Header values and
// text bodies shaped so are redacted by the query rules, names included.
func looksLikeQuery(p []byte) bool {
	eq := false
	for _, c := range p {
		switch c {
		case '=':
			eq = true
		case ' ', '\t', '\r', '\n', ';', ',':
			return false
		}
	}
	return eq
}
