package recorder

import (
	"bytes"
	"net/url"
	"strings"
)

// nameContext says which path-field rules apply to a record: bit i stands
// for Redactor.pathFields[i] (the OTP value "code" on /otp/ URLs).
type nameContext uint64

// maxPathFieldRules is how many path-field rules a nameContext can tell
// apart; more are ignored.
const maxPathFieldRules = 64

// urlContext returns the path-field rules that apply to URL u: those whose
// segment is one of the segments of its (decoded) path.
func (r *Redactor) urlContext(u string) nameContext {
	if len(r.pathFields) == 0 {
		return 0
	}
	path := urlPath(u)
	if strings.IndexByte(path, '%') >= 0 {
		path = string(canonical([]byte(path), decodePercent).text)
	}
	var ctx nameContext
	for seg := range strings.SplitSeq(path, "/") {
		for i, pf := range r.pathFields {
			if i < maxPathFieldRules && strings.EqualFold(seg, pf.segment) {
				ctx |= 1 << i
			}
		}
	}
	return ctx
}

// urlPath returns the path of an absolute URL or of a path with a query.
func urlPath(u string) string {
	if i := strings.Index(u, "://"); i >= 0 {
		u = u[i+3:]
		j := strings.IndexByte(u, '/')
		if j < 0 {
			return ""
		}
		u = u[j:]
	}
	u, _, _ = strings.Cut(u, "#")
	u, _, _ = strings.Cut(u, "?")
	return u
}

// secretName reports whether a JSON key, query or form parameter name (in
// canonical form) names a secret; query adds the query-only rules.
func (r *Redactor) secretName(name []byte, ctx nameContext, query bool) bool {
	if r.nameCache.match(r.names, name) {
		return true
	}
	if ctx == 0 && (!query || len(r.query) == 0) {
		return false
	}
	var t nameTokens
	t.split(name)
	j := t.joined()
	if query && r.query[string(j)] {
		return true
	}
	for i := range r.pathFields {
		if i < maxPathFieldRules && ctx&(1<<i) != 0 && r.pathFields[i].names[string(j)] {
			return true
		}
	}
	return false
}

// RedactText replaces card numbers, private keys, pattern matches and URL
// credentials and secret parameters in free text such as an error message
// or a log line.
func (r *Redactor) RedactText(s string) (string, int) {
	n := 0
	if strings.Contains(s, "://") {
		var b strings.Builder
		rest := s
		for {
			i := strings.Index(rest, "://")
			if i < 0 {
				b.WriteString(rest)
				break
			}
			start := strings.LastIndexAny(rest[:i], " \t\n\"'<(") + 1
			end := i + strings.IndexAny(rest[i:]+" ", " \t\n\"'>)")
			u, k := r.RedactURL(rest[start:end])
			n += k
			b.WriteString(rest[:start])
			b.WriteString(u)
			rest = rest[end:]
		}
		s = b.String()
	}
	s, k := r.scanString(s)
	return s, n + k
}

// RedactURL replaces secrets in a URL (absolute or a path with a query):
// userinfo credentials, secret query parameters, and card numbers, private
// keys and pattern matches in the path, query names and values and
// fragment, all in their percent-decoded form.
func (r *Redactor) RedactURL(u string) (string, int) {
	return r.redactURLParts(u, r.urlContext(u))
}

func (r *Redactor) redactURLParts(u string, ctx nameContext) (string, int) {
	n := 0
	rest, fragment, hasFragment := strings.Cut(u, "#")
	rest, query, hasQuery := strings.Cut(rest, "?")
	rest, k := r.redactUserinfo(rest)
	n += k
	rest, k = r.scanString(rest)
	n += k
	if hasQuery {
		query, k = r.redactQuery(query, ctx)
		n += k
	}
	if hasFragment {
		// A fragment may carry parameters too (#access_token=…).
		if strings.IndexByte(fragment, '=') >= 0 {
			fragment, k = r.redactQuery(fragment, ctx)
		} else {
			fragment, k = r.scanString(fragment)
		}
		n += k
	}
	if n == 0 {
		return u, 0
	}
	if hasQuery {
		rest += "?" + query
	}
	if hasFragment {
		rest += "#" + fragment
	}
	return rest, n
}

// redactUserinfo replaces the password of "scheme://user:password@host",
// or the whole userinfo when it has no password (a token used as a user
// name).
func (r *Redactor) redactUserinfo(u string) (string, int) {
	i := strings.Index(u, "://")
	if i < 0 {
		return u, 0
	}
	authStart := i + 3
	authEnd := len(u)
	if j := strings.IndexByte(u[authStart:], '/'); j >= 0 {
		authEnd = authStart + j
	}
	at := strings.LastIndexByte(u[authStart:authEnd], '@')
	if at < 0 {
		return u, 0
	}
	info := u[authStart : authStart+at]
	user, pass, ok := strings.Cut(info, ":")
	switch {
	case isFingerprint(info) || (ok && isFingerprint(pass)):
		return u, 0
	case ok:
		return u[:authStart] + user + ":" + r.fingerprint(pass) + u[authStart+at:], 1
	default:
		return u[:authStart] + r.fingerprint(info) + u[authStart+at:], 1
	}
}

// queryMode is how query and form components are encoded.
const queryMode = decodePercent | decodePlus

// redactQuery redacts a URL query or a form body: the values of secret
// parameter names, and card numbers, private keys and pattern matches in
// every name and value, each percent-decoded (and '+' read as a space)
// first. What is not replaced keeps its encoding.
func (r *Redactor) redactQuery(q string, ctx nameContext) (string, int) {
	if q == "" {
		return q, 0
	}
	src := stringBytes(q)
	w := rewriter{src: src}
	for start := 0; start <= len(src); {
		end := bytes.IndexByte(src[start:], '&')
		if end < 0 {
			end = len(src)
		} else {
			end += start
		}
		r.redactParam(&w, start, end, ctx)
		start = end + 1
	}
	if w.n == 0 {
		return q, 0
	}
	return string(w.result()), w.n
}

// redactParam redacts the parameter w.src[start:end].
func (r *Redactor) redactParam(w *rewriter, start, end int, ctx nameContext) {
	part := w.src[start:end]
	eq := bytes.IndexByte(part, '=')
	if eq < 0 {
		r.scanInto(w, start, part, queryMode)
		return
	}
	name, val := part[:eq], part[eq+1:]
	dn := canonical(name, queryMode)
	if len(val) > 0 && r.secretName(dn.text, ctx, true) {
		dv := canonical(val, queryMode)
		if !isFingerprintBytes(dv.text) {
			w.replace(start+eq+1, end, r.fingerprint(digitsOnly(string(dv.text))))
		}
		return
	}
	r.scanInto(w, start, name, queryMode)
	r.redactParamValue(w, start+eq+1, val, ctx)
}

// redactParamValue redacts a parameter value at w.src[base:]: as JSON when
// it decodes to JSON (?filter={"pin":…}), else as text.
func (r *Redactor) redactParamValue(w *rewriter, base int, val []byte, ctx nameContext) {
	if len(val) == 0 {
		return
	}
	if d := canonical(val, queryMode); looksLikeJSON(d.text) {
		if out, n := r.redactJSON(d.text, ctx, false); n > 0 {
			repl := string(out)
			if !d.identity() {
				repl = url.QueryEscape(repl)
			}
			w.replace(base, base+len(val), repl)
			w.n += n - 1
			return
		}
	}
	r.scanInto(w, base, val, queryMode)
}
