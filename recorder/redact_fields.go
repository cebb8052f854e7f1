package recorder

import (
	"net/url"
	"strings"
)

// maxFieldName is the longest normalized field name looked up without
// allocating; longer names are still matched.
const maxFieldName = 64

// fieldMatcher decides whether a JSON field or query parameter name names a
// secret.
type fieldMatcher struct {
	exact map[string]bool
}

func newFieldMatcher(names []string) fieldMatcher {
	m := fieldMatcher{exact: make(map[string]bool, len(names))}
	for _, n := range names {
		if norm := normalizeField(nil, []byte(n)); len(norm) > 0 {
			m.exact[string(norm)] = true
		}
	}
	return m
}

// normalizeField appends to dst the name lowercased (ASCII) without '_',
// '-', '.' and spaces.
func normalizeField(dst, name []byte) []byte {
	for _, c := range name {
		switch {
		case c == '_' || c == '-' || c == '.' || c == ' ':
		case c >= 'A' && c <= 'Z':
			dst = append(dst, c+('a'-'A'))
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// match reports whether name is a secret field. otp adds "code", the OTP
// value in GET /otp/{token} responses; elsewhere "code" is an error or
// country code and must stay readable.
func (m fieldMatcher) match(name []byte, otp bool) bool {
	var buf [maxFieldName]byte
	norm := normalizeField(buf[:0], name)
	if m.exact[string(norm)] {
		return true
	}
	if otp && string(norm) == "code" {
		return true
	}
	return hasSecretWord(norm)
}

// hasSecretWord reports whether a normalized name contains a word that
// makes any field a secret, for example "newPassword",
// "webhookSigningSecret", "cvvCode". It is one pass over the name: field
// names are looked up for every key of every JSON body.
func hasSecretWord(norm []byte) bool {
	for i := 0; i+3 <= len(norm); i++ {
		rest := norm[i:]
		var words []string
		switch rest[0] {
		case 'p':
			words = []string{"password", "passwd", "privatekey"}
		case 's':
			words = []string{"secret"}
		case 'c':
			words = []string{"cvv", "cvc"}
		case 'a':
			words = []string{"apikey", "accesstoken"}
		case 'r':
			words = []string{"refreshtoken"}
		default:
			continue
		}
		for _, w := range words {
			if len(rest) >= len(w) && string(rest[:len(w)]) == w {
				return true
			}
		}
	}
	return false
}

// redactQuery redacts a URL query or a form body: the values of secret
// parameter names, and card numbers and private keys in every value.
func (r *Redactor) redactQuery(q string, otp bool) (string, int) {
	if q == "" {
		return q, 0
	}
	parts := strings.Split(q, "&")
	n := 0
	for i, p := range parts {
		k, v, hasValue := strings.Cut(p, "=")
		if !hasValue || v == "" {
			np, c := r.scanString(p)
			parts[i], n = np, n+c
			continue
		}
		name, _ := queryUnescape(k)
		val, escaped := queryUnescape(v)
		if r.fields.match([]byte(name), otp) && !isFingerprint(val) {
			parts[i], n = k+"="+r.fingerprint(digitsOnly(val)), n+1
			continue
		}
		nv, c := r.scanString(val)
		if c == 0 {
			continue
		}
		if escaped {
			nv = url.QueryEscape(nv)
		}
		parts[i], n = k+"="+nv, n+c
	}
	if n == 0 {
		return q, 0
	}
	return strings.Join(parts, "&"), n
}

// queryUnescape decodes a query component; it reports whether it was
// escaped at all. A malformed escape is kept as it is.
func queryUnescape(s string) (string, bool) {
	if !strings.ContainsAny(s, "%+") {
		return s, false
	}
	u, err := url.QueryUnescape(s)
	if err != nil {
		return s, false
	}
	return u, true
}
