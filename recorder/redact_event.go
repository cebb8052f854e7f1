package recorder

import "github.com/evidence-proxy/evidence-proxy/evidence"

// redactEvent returns ev with its secrets replaced, as a copy when any
// was (the caller's Event is never modified). Attributes and Resource are
// JSON objects redacted like JSON bodies, their keys being attribute names
// ("user.pin" ends with the PIN family's name; "http.request.header.x-api-key"
// names a secret header); the body is redacted as JSON when it is JSON
// text and as free text otherwise, and the name is scanned for card
// numbers.
func (r *Redactor) redactEvent(ev *evidence.Event) (*evidence.Event, int) {
	e := *ev
	n := 0
	var k int
	e.Attributes, k = r.redactAttributes(e.Attributes)
	n += k
	e.Resource, k = r.redactAttributes(e.Resource)
	n += k
	if looksLikeJSON(stringBytes(e.Body)) {
		var out []byte
		out, k = r.redactJSON(stringBytes(e.Body), 0, false)
		if k > 0 {
			e.Body = string(out)
		}
	} else {
		e.Body, k = r.RedactText(e.Body)
	}
	n += k
	e.Name, k = r.scanString(e.Name)
	n += k
	if n == 0 {
		return ev, 0
	}
	return &e, n
}

func (r *Redactor) redactAttributes(attrs []byte) ([]byte, int) {
	if len(attrs) == 0 {
		return attrs, 0
	}
	return r.redactJSON(attrs, 0, true)
}
