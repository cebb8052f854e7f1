package recorder

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"mime"
	"net/textproto"
	"regexp"
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

// RedactOptions tune a Redactor. The zero value applies the built-in
// rules (DefaultRedactRules) and nothing else.
type RedactOptions struct {
	// ExtraHeaders are header names redacted in addition to the rules'.
	ExtraHeaders []string
	// ExtraFields are field names (as RedactRules.Fields) redacted in
	// addition to the rules'.
	ExtraFields []string
	// Rules are added to the built-in rules: a program's --redact-field
	// values, its --redact-rules file, a preset.
	Rules []*RedactRules
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
// brute-forced in seconds). A secret is fingerprinted in its canonical
// form: a card number has the same fingerprint bare, grouped, as a JSON
// number in exponent form or percent-encoded.
//
// What is replaced, in the canonical form of each value (see
// canonical_decode.go) and in its original encoding:
//   - the values of the rules' headers, and of headers whose names are
//     secret names (X-Card-Pin, X-OTP, X-Auth-Token, X_API_KEY);
//   - in JSON bodies, form bodies, URL query parameters and fragments,
//     query-shaped header values and text bodies ("a=1&pin=2"), JSON
//     strings holding URLs, and event attributes, the values of secret
//     names (see redact_names.go and RedactRules) and of the rules' JSON
//     paths, including every scalar inside an object or array held by
//     such a name; on URLs whose path has an "otp" segment
//     (GET /otp/{token}), the "code" field too;
//   - anywhere (bodies, text or binary, URL paths, query names and values,
//     header names and values, JSON keys and strings, event bodies, error
//     messages): every run of 13–19 digits (bare, or grouped by single
//     spaces or dashes as cards are printed) that does not start with 0
//     and passes the Luhn check, every PEM private-key block, and every
//     match of the rules' patterns; a JSON number whose value is such a
//     run ("4111111111111111", "4.111111111111111e15", negative or not),
//     or that holds one (in its fraction), becomes a string;
//   - the password (or token) part of URL userinfo.
//
// Not replaced, on purpose: ids, amounts and timestamps (unless they happen
// to be Luhn-valid 13–19 digit runs, about one in ten of those, which is
// the price of never storing a card number), masked card numbers, the OTP
// listener token in /otp/{token} (it is only usable with the mTLS
// certificate and API key, which are protected), and the W3C trace and
// span ids of a record (random hex, checked as such when received; they
// tie a call to the app's own traces).
//
// A Redactor is safe for concurrent use.
type Redactor struct {
	key []byte
	// names are the secret names by family and the exact field names,
	// and nameCache the verdicts on names seen.
	names     *nameMatcher
	nameCache *nameCache
	// query holds exact names of query and form parameters (joined
	// tokens).
	query map[string]bool
	// headers holds the canonical header names redacted by name.
	headers map[string]bool
	// headerVerdicts caches the verdict on common header names.
	headerVerdicts map[string]bool
	paths          []jsonPath
	patterns       []*regexp.Regexp
	pathFields     []pathFieldRule
	opts           RedactOptions
	// macs pools keyed HMAC states (hmac.New costs more than a short
	// fingerprint).
	macs sync.Pool
}

// pathFieldRule makes names secrets on URLs with a path segment.
type pathFieldRule struct {
	segment string
	names   map[string]bool // joined tokens
}

// NewRedactor returns a Redactor keyed by key (at least 16 bytes; use
// LoadOrCreateKey for a per-install key), applying the built-in rules and
// those of opts.
func NewRedactor(key []byte, opts RedactOptions) (*Redactor, error) {
	if len(key) < minKeyLen {
		return nil, errors.New("new redactor: key must be at least 16 bytes")
	}
	r := &Redactor{
		key:       append([]byte(nil), key...),
		names:     newNameMatcher(),
		nameCache: newNameCache(),
		query:     map[string]bool{},
		headers:   map[string]bool{},
		opts:      opts,
	}
	rules := append([]*RedactRules{DefaultRedactRules(), {Headers: opts.ExtraHeaders, Fields: opts.ExtraFields}}, opts.Rules...)
	for _, rs := range rules {
		if err := r.add(rs); err != nil {
			return nil, fmt.Errorf("new redactor: %w", err)
		}
	}
	r.headerVerdicts = r.commonHeaderVerdicts()
	return r, nil
}

// add compiles one set of rules into r.
func (r *Redactor) add(rs *RedactRules) error {
	if rs == nil {
		return nil
	}
	for _, f := range rs.Families {
		r.names.addFamily(f)
	}
	r.names.addQualifiers(rs.Qualifiers)
	r.names.addModifiers(rs.Modifiers)
	for _, f := range rs.Fields {
		r.names.addExact(f)
	}
	for _, q := range rs.Query {
		r.query[joinedName(q)] = true
	}
	for _, h := range rs.Headers {
		r.headers[textproto.CanonicalMIMEHeaderKey(strings.TrimSpace(h))] = true
	}
	for _, p := range rs.JSONPaths {
		jp, err := parseJSONPath(p)
		if err != nil {
			return err
		}
		r.paths = append(r.paths, jp)
	}
	for _, p := range rs.Patterns {
		re, err := regexp.Compile(p.Pattern)
		if err != nil {
			return fmt.Errorf("pattern %q: %w", p.Name, err)
		}
		r.patterns = append(r.patterns, re)
	}
	for _, pf := range rs.PathFields {
		rule := pathFieldRule{segment: strings.ToLower(pf.Segment), names: map[string]bool{}}
		for _, f := range pf.Fields {
			rule.names[joinedName(f)] = true
		}
		r.pathFields = append(r.pathFields, rule)
	}
	return nil
}

// joinedName is a name as exact rules compare it: lowercased, without
// separators.
func joinedName(name string) string {
	var t nameTokens
	t.split([]byte(name))
	return string(t.joined())
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

// isFingerprintBytes is isFingerprint for bytes, without copying them.
func isFingerprintBytes(b []byte) bool {
	return isFingerprint(unsafe.String(unsafe.SliceData(b), len(b)))
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
// and returns it. Redacting a redacted record changes nothing. It never
// modifies the header maps, slices or structs it was handed (the proxy may
// still be using them): changed parts are replaced by copies in rec.
func (r *Redactor) Redact(rec *evidence.Record) int {
	ctx := r.urlContext(rec.Request.URL)
	n := 0
	var k int
	rec.Request.URL, k = r.RedactURL(rec.Request.URL)
	n += k
	rec.Request.Header, k = r.redactHeader(rec.Request.Header)
	n += k
	n += r.redactBody(&rec.Request.Body, rec.Request.Header.Get("Content-Type"), ctx)
	if rec.Response != nil {
		resp := *rec.Response
		resp.Header, k = r.redactHeader(resp.Header)
		n += k
		n += r.redactBody(&resp.Body, resp.Header.Get("Content-Type"), ctx)
		rec.Response = &resp
	}
	if rec.Error != nil {
		e := *rec.Error
		e.Message, k = r.RedactText(e.Message)
		n += k
		rec.Error = &e
	}
	if rec.Event != nil {
		rec.Event, k = r.redactEvent(rec.Event)
		n += k
	}
	rec.Redactions += n
	return n
}

// redactBody replaces the secrets of a captured body in place (a Body is a
// value owned by the record).
func (r *Redactor) redactBody(b *evidence.Body, contentType string, ctx nameContext) int {
	if b.Text == "" && b.Base64 == "" {
		return 0
	}
	p := bodyView(b)
	var out []byte
	var n int
	switch {
	case looksLikeJSON(p):
		out, n = r.redactJSON(p, ctx, false)
	case isForm(contentType):
		var s string
		s, n = r.redactQuery(unsafe.String(unsafe.SliceData(p), len(p)), ctx)
		out = stringBytes(s)
	default:
		var s string
		s, n = r.redactTextOrQuery(unsafe.String(unsafe.SliceData(p), len(p)))
		out = stringBytes(s)
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
