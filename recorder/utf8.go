package recorder

import (
	"encoding/hex"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// encoding/json replaces invalid UTF-8 by U+FFFD when it encodes, so a
// record holding invalid bytes would not hash the same after a round trip
// through the store. These helpers make every stored string valid first,
// copying only what changes.

func validString(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// validHeader returns h, or a copy with invalid names and values fixed.
func validHeader(h http.Header) http.Header {
	ok := true
	for k, vs := range h {
		if !utf8.ValidString(k) {
			ok = false
			break
		}
		for _, v := range vs {
			if !utf8.ValidString(v) {
				ok = false
				break
			}
		}
	}
	if ok {
		return h
	}
	out := make(http.Header, len(h))
	for k, vs := range h {
		nv := make([]string, len(vs))
		for i, v := range vs {
			nv[i] = validString(v)
		}
		k = validString(k)
		out[k] = append(out[k], nv...)
	}
	return out
}

// validBody moves text that is not valid UTF-8 to Base64, keeping the
// bytes exact.
func validBody(b *evidence.Body) {
	b.ContentEncoding, b.DecodeError = validString(b.ContentEncoding), validString(b.DecodeError)
	if b.Text != "" && !utf8.ValidString(b.Text) {
		b.SetBytes([]byte(b.Text))
	}
}

func hexString(p []byte) string {
	return hex.EncodeToString(p)
}
