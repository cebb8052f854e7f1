package events

import (
	"crypto/subtle"
	"net"
	"net/http"
	"strings"
)

// The receiver's doors. Events become audit evidence, so whoever can post
// them can put words in the app's mouth:
//
//   - Host check, always: only loopback names (localhost, 127.0.0.0/8,
//     ::1) and Options.Hosts are accepted. A web page whose DNS name
//     rebinds to 127.0.0.1 sends its own name as Host and is refused.
//   - Content types: OTLP takes application/x-protobuf or
//     application/json, /events only application/json. A browser cannot
//     send those cross-origin without a CORS preflight, which the
//     receiver never approves, so a page cannot forge events with a
//     "simple" form or text/plain POST.
//   - Bearer token, when Options.BearerToken is set (cmd requires it
//     beyond loopback): every request, compared in constant time.

// hostAllowed reports whether the request's Host names the receiver.
func (r *Receiver) hostAllowed(host string) bool {
	h := host
	if hh, _, err := net.SplitHostPort(host); err == nil {
		h = hh
	}
	h = strings.TrimSuffix(strings.Trim(h, "[]"), ".")
	if strings.EqualFold(h, "localhost") {
		return true
	}
	if ip := net.ParseIP(h); ip != nil && ip.IsLoopback() {
		return true
	}
	for _, a := range r.opts.Hosts {
		if strings.EqualFold(h, strings.TrimSuffix(a, ".")) {
			return true
		}
	}
	return false
}

// authorized reports whether the request carries the bearer token (or
// none is required).
func (r *Receiver) authorized(req *http.Request) bool {
	if r.opts.BearerToken == "" {
		return true
	}
	scheme, tok, ok := strings.Cut(req.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(strings.TrimSpace(tok)), []byte(r.opts.BearerToken)) == 1
}
