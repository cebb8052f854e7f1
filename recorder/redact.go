package recorder

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"mime"
	"net/http"
	"net/textproto"
	"strings"
	"sync"
	"unsafe"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// FingerprintHexLen is the number of hex digits of the keyed fingerprint
// that replaces a secret: "[redacted:<12 hex digits>]".
const FingerprintHexLen = 12

// minKeyLen is the shortest redaction key accepted.
const minKeyLen = 16

// DefaultRedactHeaders returns the request and response headers whose
// values are always replaced.
func DefaultRedactHeaders() []string {
	return []string{"X-API-Key", "Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie"}
}

// DefaultRedactFields returns the JSON field (and form or query parameter)
// names whose values are always replaced, at any depth. Names are matched
// case-insensitively with '_', '-', '.' and spaces ignored, so "cardNumber",
// "card_number" and "CARD-NUMBER" are the same name. The Axys names are
// among them: cardNumber, cvv, newPin/currentPin/oldPin, code (on the OTP
// endpoints only, see Redactor).
func DefaultRedactFields() []string {
	return []string{
		// card numbers
		"pan", "cardNumber", "fullCardNumber", "cardNo", "cardNum", "primaryAccountNumber",
		// card verification values
		"cvv", "cvv2", "cvc", "cvc2", "securityCode", "cardSecurityCode",
		// PINs
		"pin", "newPin", "currentPin", "oldPin", "cardPin", "pinCode", "pinBlock",
		// one-time codes
		"otp", "otpCode", "oneTimePassword", "oneTimeCode",
		// passwords and secrets
		"password", "passwd", "passphrase", "secret", "clientSecret", "apiSecret", "secretKey",
		// credential tokens and keys
		"apiKey", "xApiKey", "accessToken", "refreshToken", "idToken", "authToken",
		"sessionToken", "bearerToken", "authorization",
		"privateKey", "privKey", "signingKey", "mnemonic", "seedPhrase",
	}
}

// RedactOptions tune a Redactor. The zero value redacts every default kind
// of secret.
type RedactOptions struct {
	// ExtraHeaders are header names redacted in addition to
	// DefaultRedactHeaders.
	ExtraHeaders []string
	// ExtraFields are JSON field names redacted in addition to
	// DefaultRedactFields.
	ExtraFields []string
	// DisableLuhn turns off the replacement of Luhn-valid digit runs (the
	// named fields, headers and private keys are still redacted).
	DisableLuhn bool
}

// Redactor replaces secrets in records before they are stored. Each secret
// becomes "[redacted:<fingerprint>]", where the fingerprint is the first 12
// hex digits of HMAC-SHA256(key, secret): equal secrets get equal
// fingerprints, so an auditor can see that two calls used the same API key
// or card, while without the per-install key the fingerprint cannot be
// tested against guessed values (a bare hash of a card number could be
// brute-forced in seconds).
//
// What is replaced:
//   - the values of DefaultRedactHeaders and RedactOptions.ExtraHeaders;
//   - in JSON bodies (and form bodies and URL query parameters), the values
//     of DefaultRedactFields and RedactOptions.ExtraFields at any depth,
//     including every scalar inside an object or array held by such a
//     field; on URLs whose path has an "otp" segment (GET /otp/{token}),
//     the "code" field too;
//   - anywhere in bodies (text or binary), URL paths and queries, other
//     header values and error messages: every run of 13–19 digits (bare,
//     or grouped by single spaces or dashes as cards are printed) that
//     does not start with 0 and passes the Luhn check, and every PEM
//     private-key block; a JSON number that is such a run becomes a
//     string;
//   - the password (or token) part of URL userinfo.
//
// Not replaced, on purpose: ids, amounts and timestamps (unless they happen
// to be Luhn-valid 13–19 digit runs, about one in ten of those, which is
// the price of never storing a card number), masked card numbers, and
// the OTP listener token in /otp/{token} (it is only usable with the
// mTLS certificate and API key, which are protected).
//
// A Redactor is safe for concurrent use.
type Redactor struct {
	key     []byte
	headers map[string]bool // canonical header keys
	fields  fieldMatcher
	opts    RedactOptions
	// macs pools keyed HMAC states (hmac.New costs more than a short
	// fingerprint).
	macs sync.Pool
}

// NewRedactor returns a Redactor keyed by key (at least 16 bytes; use
// LoadOrCreateKey for a per-install key).
func NewRedactor(key []byte, opts RedactOptions) (*Redactor, error) {
	if len(key) < minKeyLen {
		return nil, errors.New("new redactor: key must be at least 16 bytes")
	}
	r := &Redactor{
		key:     append([]byte(nil), key...),
		headers: map[string]bool{},
		fields:  newFieldMatcher(append(DefaultRedactFields(), opts.ExtraFields...)),
		opts:    opts,
	}
	for _, h := range append(DefaultRedactHeaders(), opts.ExtraHeaders...) {
		r.headers[textproto.CanonicalMIMEHeaderKey(strings.TrimSpace(h))] = true
	}
	return r, nil
}

// Fingerprint returns the replacement text for the secret value:
// "[redacted:<12 hex digits of HMAC-SHA256(key, value)>]".
func (r *Redactor) Fingerprint(value string) string {
	return r.fingerprint(value)
}

// isFingerprint reports whether s is already a replacement.
func isFingerprint(s string) bool {
	return len(s) == len("[redacted:]")+FingerprintHexLen && strings.HasPrefix(s, "[redacted:") && s[len(s)-1] == ']'
}

func (r *Redactor) fingerprint(value string) string {
	m, _ := r.macs.Get().(hash.Hash)
	if m == nil {
		m = hmac.New(sha256.New, r.key)
	}
	defer r.macs.Put(m)
	m.Reset()
	m.Write([]byte(value))
	var sum [sha256.Size]byte
	var hx [2 * sha256.Size]byte
	hex.Encode(hx[:], m.Sum(sum[:0]))
	return "[redacted:" + string(hx[:FingerprintHexLen]) + "]"
}

// Redact replaces the secrets of rec, adds their number to rec.Redactions
// and returns it. Redacting a redacted record changes nothing. It never modifies the header maps, slices or structs it
// was handed (the proxy may still be using them): changed parts are
// replaced by copies in rec.
func (r *Redactor) Redact(rec *evidence.Record) int {
	otp := isOTPPath(rec.Request.URL)
	n := 0
	var k int
	rec.Request.URL, k = r.RedactURL(rec.Request.URL)
	n += k
	rec.Request.Header, k = r.redactHeader(rec.Request.Header)
	n += k
	n += r.redactBody(&rec.Request.Body, rec.Request.Header.Get("Content-Type"), otp)
	if rec.Response != nil {
		resp := *rec.Response
		resp.Header, k = r.redactHeader(resp.Header)
		n += k
		n += r.redactBody(&resp.Body, resp.Header.Get("Content-Type"), otp)
		rec.Response = &resp
	}
	if rec.Error != nil {
		e := *rec.Error
		e.Message, k = r.RedactText(e.Message)
		n += k
		rec.Error = &e
	}
	rec.Redactions += n
	return n
}

// RedactText replaces card numbers, private keys and URL credentials in
// free text such as an error message or a log line.
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
			u, k := r.redactURLParts(rest[start:end])
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
// userinfo credentials, sensitive query parameters, and card numbers and
// private keys in the path, query and fragment.
func (r *Redactor) RedactURL(u string) (string, int) {
	s, n := r.redactURLParts(u)
	return s, n
}

func (r *Redactor) redactURLParts(u string) (string, int) {
	n := 0
	rest, fragment, hasFragment := strings.Cut(u, "#")
	rest, query, hasQuery := strings.Cut(rest, "?")
	rest, k := r.redactUserinfo(rest)
	n += k
	rest, k = r.scanString(rest)
	n += k
	if hasQuery {
		query, k = r.redactQuery(query, false)
		rest += "?" + query
		n += k
	}
	if hasFragment {
		fragment, k = r.scanString(fragment)
		rest += "#" + fragment
		n += k
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

// redactHeader returns h with secrets replaced, copying it on first change.
func (r *Redactor) redactHeader(h http.Header) (http.Header, int) {
	var out http.Header
	n := 0
	for name, values := range h {
		sensitive := r.headers[textproto.CanonicalMIMEHeaderKey(name)]
		var changed []string
		for i, v := range values {
			nv, k := v, 0
			switch {
			case sensitive && v != "" && !isFingerprint(v):
				nv, k = r.fingerprint(v), 1
			case sensitive:
			case strings.Contains(v, "://") || strings.HasPrefix(v, "/"):
				nv, k = r.redactURLParts(v)
			default:
				nv, k = r.scanString(v)
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
		if changed == nil {
			continue
		}
		if out == nil {
			out = h.Clone()
		}
		out[name] = changed
	}
	if out == nil {
		return h, 0
	}
	return out, n
}

// redactBody replaces the secrets of a captured body in place (a Body is a
// value owned by the record).
func (r *Redactor) redactBody(b *evidence.Body, contentType string, otp bool) int {
	if b.Text == "" && b.Base64 == "" {
		return 0
	}
	p := bodyView(b)
	var out []byte
	var n int
	switch {
	case looksLikeJSON(p):
		out, n = r.redactJSON(p, otp)
	case isForm(contentType):
		var s string
		s, n = r.redactQuery(string(p), otp)
		out = []byte(s)
	default:
		out, n = r.scanText(p)
	}
	if n > 0 {
		b.SetBytes(out)
	}
	return n
}

func looksLikeJSON(p []byte) bool {
	for _, c := range p {
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		case '{', '[':
			return true
		default:
			return false
		}
	}
	return false
}

func isForm(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && mt == "application/x-www-form-urlencoded"
}

// isOTPPath reports whether the URL's path has an "otp" segment.
func isOTPPath(u string) bool {
	if i := strings.Index(u, "://"); i >= 0 {
		u = u[i+3:]
		if j := strings.IndexByte(u, '/'); j >= 0 {
			u = u[j:]
		} else {
			return false
		}
	}
	u, _, _ = strings.Cut(u, "?")
	for seg := range strings.SplitSeq(u, "/") {
		if strings.EqualFold(seg, "otp") {
			return true
		}
	}
	return false
}

// bodyView returns the bytes of b for the scanners. A text body is viewed
// in place rather than copied: the scanners only read their input (every
// rewrite goes to a new buffer, see rewriter), so the string's memory is
// never written. Keep it that way.
func bodyView(b *evidence.Body) []byte {
	if b.Base64 != "" {
		return b.Bytes()
	}
	return unsafe.Slice(unsafe.StringData(b.Text), len(b.Text))
}
