package evidence

// The hash chain and the store encode every record, on the hot path of each
// proxied call, so the canonical form has this hand-written encoder instead
// of encoding/json's reflection and allocations. Its bytes must equal
// encoding/json's (HTML escaping off), because records read back with
// encoding/json are re-hashed: every rule below mirrors one of encoding/json
// (field order, omitempty, string escaping, map key order, time.Time's
// MarshalJSON). The tests compare both on chosen and fuzzed records, and fill
// every field of Record by reflection so that a new field is not forgotten.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// hexDigits are the digits of the \u00XX escapes; encoding/json writes them
// in lower case.
const hexDigits = "0123456789abcdef"

// safeASCII has a '1' for each ASCII byte copied as is into a JSON string,
// a '0' for those escaped. With HTML escaping off, encoding/json leaves <, >
// and & alone, and DEL too.
const safeASCII = "" +
	"00000000000000000000000000000000" + // 0x00-0x1f: control bytes
	"11011111111111111111111111111111" + // 0x20-0x3f: all but the quote
	"11111111111111111111111111110111" + // 0x40-0x5f: all but the backslash
	"11111111111111111111111111111111" //   0x60-0x7f: all, DEL included

// maxStackHeaderKeys is how many header fields are sorted without a heap
// allocation; larger headers cost one.
const maxStackHeaderKeys = 32

// AppendCanonical appends r's canonical JSON form (the exact bytes Canonical
// returns) to dst and returns the extended slice. r is encoded as if its Hash
// were empty. It allocates nothing but the growth of dst.
//
// The only possible error is a Time that RFC 3339 cannot represent (a year
// outside 0–9999 or a zone offset of 24 hours or more), which encoding/json
// refuses too. On error dst is returned with its original length.
func (r *Record) AppendCanonical(dst []byte) ([]byte, error) {
	n0 := len(dst)
	dst = append(dst, `{"v":`...)
	dst = strconv.AppendInt(dst, int64(r.V), 10)
	dst = append(dst, `,"seq":`...)
	dst = strconv.AppendUint(dst, r.Seq, 10)
	dst = append(dst, `,"kind":`...)
	dst = appendString(dst, string(r.Kind))
	dst = append(dst, `,"time":`...)
	dst, err := appendTime(dst, r.Time)
	if err != nil {
		return dst[:n0], fmt.Errorf("encode record %d: field time: %w", r.Seq, err)
	}
	dst = append(dst, `,"duration_us":`...)
	dst = strconv.AppendInt(dst, r.DurationUS, 10)
	dst = append(dst, `,"upstream_us":`...)
	dst = strconv.AppendInt(dst, r.UpstreamUS, 10)
	dst = appendOptString(dst, `,"mode":`, string(r.Mode))
	dst = appendOptString(dst, `,"client_addr":`, r.ClientAddr)
	if r.TLS != nil {
		dst = appendTLS(dst, r.TLS)
	}
	if t := r.Trace; t != nil {
		dst = append(dst, `,"trace":{"trace_id":`...)
		dst = appendString(dst, t.TraceID)
		dst = append(dst, `,"span_id":`...)
		dst = appendString(dst, t.SpanID)
		dst = append(dst, '}')
	}
	dst = appendRequest(dst, &r.Request)
	return r.appendTail(dst, n0)
}

// AppendJSON appends r's encoding/json form (HTML escaping off, no
// newline) to dst: the canonical form with the Hash member, the line a
// bundle's records.jsonl holds. Like AppendCanonical it allocates nothing
// but the growth of dst, and fails only where that does.
func (r *Record) AppendJSON(dst []byte) ([]byte, error) {
	dst, err := r.AppendCanonical(dst)
	if err != nil || r.Hash == "" {
		return dst, err
	}
	dst = append(dst[:len(dst)-1], `,"hash":`...)
	dst = appendString(dst, r.Hash)
	return append(dst, '}'), nil
}

// appendTail appends the fields of r after Request, and the closing brace.
// Hash is never written: the canonical form is defined with Hash empty. On
// error dst is cut back to n0.
func (r *Record) appendTail(dst []byte, n0 int) ([]byte, error) {
	if r.Response != nil {
		dst = appendResponse(dst, r.Response)
	}
	if e := r.Error; e != nil {
		dst = append(dst, `,"error":{"kind":`...)
		dst = appendString(dst, string(e.Kind))
		dst = append(dst, `,"message":`...)
		dst = appendString(dst, e.Message)
		dst = append(dst, '}')
	}
	var err error
	if g := r.Gap; g != nil {
		if dst, err = appendGap(dst, g); err != nil {
			return dst[:n0], fmt.Errorf("encode record %d: gap: %w", r.Seq, err)
		}
	}
	if e := r.Event; e != nil {
		if dst, err = appendEvent(dst, e); err != nil {
			return dst[:n0], fmt.Errorf("encode record %d: event: %w", r.Seq, err)
		}
	}
	if r.Redactions != 0 {
		dst = append(dst, `,"redactions":`...)
		dst = strconv.AppendInt(dst, int64(r.Redactions), 10)
	}
	dst = append(dst, `,"prev_hash":`...)
	dst = appendString(dst, r.PrevHash)
	return append(dst, '}'), nil
}

// appendGap appends the "gap" member.
func appendGap(dst []byte, g *Gap) ([]byte, error) {
	dst = append(dst, `,"gap":{"lost":`...)
	dst = strconv.AppendUint(dst, g.Lost, 10)
	dst = append(dst, `,"reason":`...)
	dst = appendString(dst, g.Reason)
	dst = appendOptString(dst, `,"cause":`, g.Cause)
	var err error
	if dst, err = appendOptTime(dst, `,"from":`, g.From); err != nil {
		return dst, err
	}
	if dst, err = appendOptTime(dst, `,"until":`, g.Until); err != nil {
		return dst, err
	}
	if g.Refused != 0 {
		dst = append(dst, `,"refused":`...)
		dst = strconv.AppendUint(dst, g.Refused, 10)
	}
	dst = appendOptString(dst, `,"error":`, g.Error)
	if g.AfterSeq != 0 {
		dst = append(dst, `,"after_seq":`...)
		dst = strconv.AppendUint(dst, g.AfterSeq, 10)
	}
	return append(dst, '}'), nil
}

// appendEvent appends the "event" member. Attributes and Resource must be
// JSON; they are written compacted, as encoding/json writes a RawMessage.
func appendEvent(dst []byte, e *Event) ([]byte, error) {
	dst = append(dst, `,"event":{"name":`...)
	dst = appendString(dst, e.Name)
	dst = append(dst, `,"source":`...)
	dst = appendString(dst, e.Source)
	dst, err := appendOptTime(dst, `,"time":`, e.Time)
	if err != nil {
		return dst, err
	}
	dst = appendOptString(dst, `,"severity":`, e.Severity)
	dst = appendOptString(dst, `,"trace_id":`, e.TraceID)
	dst = appendOptString(dst, `,"span_id":`, e.SpanID)
	if dst, err = appendRaw(dst, `,"attributes":`, e.Attributes); err != nil {
		return dst, fmt.Errorf("attributes: %w", err)
	}
	if dst, err = appendRaw(dst, `,"resource":`, e.Resource); err != nil {
		return dst, fmt.Errorf("resource: %w", err)
	}
	dst = appendOptString(dst, `,"body":`, e.Body)
	if e.Truncated {
		dst = append(dst, `,"truncated":true`...)
	}
	return append(dst, '}'), nil
}

// appendOptTime appends an omitzero time member; key includes the leading
// comma and the colon.
func appendOptTime(dst []byte, key string, t time.Time) ([]byte, error) {
	if t.IsZero() {
		return dst, nil
	}
	return appendTime(append(dst, key...), t)
}

// appendRaw appends an omitempty json.RawMessage member, compacted. Invalid
// JSON is an error, as it is for encoding/json.
func appendRaw(dst []byte, key string, raw []byte) ([]byte, error) {
	if len(raw) == 0 {
		return dst, nil
	}
	buf := bytes.NewBuffer(append(dst, key...))
	if err := json.Compact(buf, raw); err != nil {
		return dst, err
	}
	return buf.Bytes(), nil
}

// canonicalSizeHint guesses the length of r's canonical form, so that
// Canonical usually allocates its result once. It allows one escape in eight
// bytes of body text, about what JSON bodies need.
func (r *Record) canonicalSizeHint() int {
	q := &r.Request
	n := 512 + len(q.URL) + len(q.Body.Text)*9/8 + len(q.Body.Base64) + 64*len(q.Header)
	if p := r.Response; p != nil {
		n += len(p.Body.Text)*9/8 + len(p.Body.Base64) + 64*len(p.Header)
	}
	return n
}

// appendTLS appends the "tls" member. All fields of TLSFacts are omitempty,
// so the first one written has no comma, and an empty TLSFacts is {}.
func appendTLS(dst []byte, t *TLSFacts) []byte {
	dst = append(dst, `,"tls":{`...)
	open := len(dst)
	dst = appendMember(dst, open, `"version":`, t.Version)
	dst = appendMember(dst, open, `"server_cert_sha256":`, t.ServerCertSHA256)
	dst = appendMember(dst, open, `"client_cert_sha256":`, t.ClientCertSHA256)
	dst = appendMember(dst, open, `"app_client_cert_sha256":`, t.AppClientCertSHA256)
	return append(dst, '}')
}

// appendMember appends an omitempty string member of an object opened at
// offset open, with a separating comma unless it is the first member.
func appendMember(dst []byte, open int, key, s string) []byte {
	if s == "" {
		return dst
	}
	if len(dst) > open {
		dst = append(dst, ',')
	}
	dst = append(dst, key...)
	return appendString(dst, s)
}

// appendRequest appends the "request" member.
func appendRequest(dst []byte, q *Request) []byte {
	dst = append(dst, `,"request":{"method":`...)
	dst = appendString(dst, q.Method)
	dst = append(dst, `,"url":`...)
	dst = appendString(dst, q.URL)
	dst = appendOptString(dst, `,"proto":`, q.Proto)
	dst = appendHeader(dst, q.Header)
	dst = appendBody(dst, &q.Body)
	return append(dst, '}')
}

// appendResponse appends the "response" member.
func appendResponse(dst []byte, p *Response) []byte {
	dst = append(dst, `,"response":{"status":`...)
	dst = strconv.AppendInt(dst, int64(p.Status), 10)
	dst = appendOptString(dst, `,"proto":`, p.Proto)
	dst = appendHeader(dst, p.Header)
	dst = appendBody(dst, &p.Body)
	if p.Synthetic {
		dst = append(dst, `,"synthetic":true`...)
	}
	return append(dst, '}')
}

// appendBody appends the "body" member of a request or response.
func appendBody(dst []byte, b *Body) []byte {
	dst = append(dst, `,"body":{"size":`...)
	dst = strconv.AppendInt(dst, b.Size, 10)
	dst = appendOptString(dst, `,"content_encoding":`, b.ContentEncoding)
	dst = appendOptString(dst, `,"text":`, b.Text)
	dst = appendOptString(dst, `,"base64":`, b.Base64)
	if b.Truncated {
		dst = append(dst, `,"truncated":true`...)
	}
	dst = appendOptString(dst, `,"decode_error":`, b.DecodeError)
	return append(dst, '}')
}

// appendOptString appends an omitempty string member; key includes the
// leading comma and the colon.
func appendOptString(dst []byte, key, s string) []byte {
	if s == "" {
		return dst
	}
	dst = append(dst, key...)
	return appendString(dst, s)
}

// headerField is a header key with its values, so that sorting the keys
// does not cost a second map lookup per field.
type headerField struct {
	key    string
	values []string
}

// appendHeader appends the omitempty "header" member: nothing for a nil or
// empty map, else an object with the keys in byte order, as encoding/json
// sorts map keys.
func appendHeader(dst []byte, h http.Header) []byte {
	if len(h) == 0 {
		return dst
	}
	var stack [maxStackHeaderKeys]headerField
	fields := stack[:0]
	for k, v := range h {
		fields = append(fields, headerField{key: k, values: v})
	}
	sortHeaderFields(fields)
	dst = append(dst, `,"header":{`...)
	for i, f := range fields {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, f.key)
		dst = append(dst, ':')
		dst = appendStrings(dst, f.values)
	}
	return append(dst, '}')
}

// sortHeaderFields sorts fields by key. Headers are small: up to the size of
// the stack array, an insertion sort beats the generic sort.
func sortHeaderFields(fields []headerField) {
	if len(fields) > maxStackHeaderKeys {
		slices.SortFunc(fields, func(a, b headerField) int {
			return strings.Compare(a.key, b.key)
		})
		return
	}
	for i := 1; i < len(fields); i++ {
		for j := i; j > 0 && fields[j].key < fields[j-1].key; j-- {
			fields[j], fields[j-1] = fields[j-1], fields[j]
		}
	}
}

// appendStrings appends a header's values: null for a nil slice, [] for an
// empty one, as encoding/json does.
func appendStrings(dst []byte, values []string) []byte {
	if values == nil {
		return append(dst, "null"...)
	}
	dst = append(dst, '[')
	for i, v := range values {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, v)
	}
	return append(dst, ']')
}

// appendString appends s as a JSON string escaped the way encoding/json
// escapes it with HTML escaping off: quote and backslash are escaped, \b \f
// \n \r \t get short escapes, other control bytes \u00XX, every byte of
// invalid UTF-8 becomes \ufffd, and U+2028 and U+2029 are escaped for the
// sake of JavaScript. <, > and & are left alone, and so is DEL.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if safeASCII[b] == '1' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			if b == '"' || b == '\\' {
				dst = append(dst, '\\', b)
			} else {
				dst = appendControl(dst, b)
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if (c == utf8.RuneError && size == 1) || c == '\u2028' || c == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', hexDigits[c>>12&0xF], hexDigits[c>>8&0xF], hexDigits[c>>4&0xF], hexDigits[c&0xF])
			start = i + size
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// appendControl appends the escape of a control byte: the short one when
// JSON has one, else \u00XX.
func appendControl(dst []byte, b byte) []byte {
	if i := strings.IndexByte("\b\f\n\r\t", b); i >= 0 {
		return append(dst, '\\', "bfnrt"[i])
	}
	return append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
}

// appendTime appends t as time.Time's MarshalJSON does: quoted RFC 3339
// with nanoseconds, trailing zeros trimmed. Times MarshalJSON refuses are
// refused too, with MarshalJSON's own error.
func appendTime(dst []byte, t time.Time) ([]byte, error) {
	dst = append(dst, '"')
	n := len(dst)
	dst = t.AppendFormat(dst, time.RFC3339Nano)
	if !strictRFC3339(dst[n:]) {
		_, err := t.MarshalJSON()
		if err == nil {
			err = fmt.Errorf("%s is not valid RFC 3339", dst[n:])
		}
		return dst, err
	}
	return append(dst, '"'), nil
}

// strictRFC3339 reports whether Time.MarshalJSON accepts b, a time as
// formatted with time.RFC3339Nano. Like the time package it wants a year of
// exactly four digits and a zone hour below 24 (an offset of 100 hours or
// more has three digits, which shifts the colon).
func strictRFC3339(b []byte) bool {
	if b[len("9999")] != '-' {
		return false
	}
	if b[len(b)-1] == 'Z' {
		return true
	}
	c := b[len(b)-len("Z07:00")]
	if '0' <= c && c <= '9' {
		return false
	}
	h := b[len(b)-len("07:00"):]
	return 10*(h[0]-'0')+(h[1]-'0') < 24
}
