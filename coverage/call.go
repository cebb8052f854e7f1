package coverage

import (
	"net/url"
	"strings"
	"time"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// callView is one call record as the rules read it: the parts of the record
// they match on, split out once. The engine reuses one callView for every
// record, so nothing here may be kept after the record is processed; values
// kept in state are cloned first.
type callView struct {
	rec   *evidence.Record
	seq   uint64
	start time.Time
	// end is when the app had its answer: start plus the call's duration.
	end    time.Time
	method string
	host   string
	// path is the URL path below /v2; query the raw query string, split
	// into pairs once querySplit is set.
	path       string
	query      string
	querySplit bool
	pairs      []queryPair
	// ep is the catalogue index of the call, or -1; params are its path
	// parameter values in template order.
	ep     int
	params [maxParams]string
	// status is 0 when there was no response.
	status    int
	hasResp   bool
	synthetic bool
	errKind   string
	// req and resp are the bodies; cache holds what body references found
	// in them (body.go).
	req, resp bodyView
	cache     refCache
	// pg is the list page the response shows, read once pageRead is set.
	pageRead bool
	pg       listPage

	hashed bool
	hash   uint64

	// gateRead is set once gateViol holds the request fields that break
	// the API's description (gate.go), read at most once per call.
	gateRead bool
	gateViol []string

	// events are the entity state changes this call's response carries;
	// implied those its success implies (transitions), which no rule
	// reads as shown.
	events  []stateEvent
	changes []fieldChange
	implied []impliedChange
}

// impliedChange is one field a successful call implies.
type impliedChange struct {
	entity, field int
	key           string
	val           value
}

// reset fills v from rec, reusing v's buffers.
func (v *callView) reset(rt *routes, rec *evidence.Record) {
	*v = callView{events: v.events[:0], changes: v.changes[:0], implied: v.implied[:0], pairs: v.pairs[:0], req: v.req, resp: v.resp, cache: v.cache.recycle()}
	v.rec = rec
	v.seq = rec.Seq
	v.start = rec.Time
	v.end = rec.Time.Add(time.Duration(rec.DurationUS) * time.Microsecond)
	v.method = rec.Request.Method
	v.ep = -1
	if v.method == "CONNECT" {
		v.host = canonicalHost(stripPort(rec.Request.URL))
	} else {
		v.host, v.path, v.query = splitURL(rec.Request.URL)
		v.host = canonicalHost(v.host)
		// The API lives below /v2: a path elsewhere is outside the
		// catalogue however it ends.
		api := strings.HasPrefix(v.path, "/v2/")
		v.path = apiPath(v.path)
		if api {
			v.ep = rt.lookup(v.method, v.path, &v.params)
		}
	}
	v.req.reset(bodyText(rec.Request.Body))
	resp, respTrunc := "", false
	if r := rec.Response; r != nil {
		v.hasResp = true
		v.status = r.Status
		v.synthetic = r.Synthetic
		resp, respTrunc = bodyText(r.Body)
	}
	v.resp.reset(resp, respTrunc)
	if rec.Error != nil {
		v.errKind = string(rec.Error.Kind)
	}
}

// bodyText returns the captured text of a body; bodies kept as base64 are
// not JSON and read as empty.
func bodyText(b evidence.Body) (string, bool) {
	if b.Base64 != "" {
		return "", b.Truncated
	}
	return b.Text, b.Truncated
}

// splitURL splits an absolute or origin-form URL into host (without port),
// path and raw query, without allocating.
func splitURL(u string) (host, path, query string) {
	rest := u
	if i := strings.Index(u, "://"); i >= 0 {
		rest = u[i+3:]
		end := len(rest)
		for j := 0; j < len(rest); j++ {
			if rest[j] == '/' || rest[j] == '?' {
				end = j
				break
			}
		}
		host, rest = stripPort(rest[:end]), rest[end:]
	}
	path, query, _ = strings.Cut(rest, "?")
	if path == "" {
		path = "/"
	}
	return host, path, query
}

// canonicalHost lower-cases a host name and drops a trailing dot.
func canonicalHost(h string) string {
	h = strings.TrimSuffix(h, ".")
	for i := 0; i < len(h); i++ {
		if c := h[i]; c >= 'A' && c <= 'Z' {
			return strings.ToLower(h)
		}
	}
	return h
}

func stripPort(h string) string {
	i := strings.LastIndexByte(h, ':')
	if i < 0 || strings.IndexByte(h[i:], ']') >= 0 {
		return trimBrackets(h)
	}
	return trimBrackets(h[:i])
}

// trimBrackets is strings.Trim(h, "[]") without building the cutset.
func trimBrackets(h string) string {
	for h != "" && (h[0] == '[' || h[0] == ']') {
		h = h[1:]
	}
	for h != "" && (h[len(h)-1] == '[' || h[len(h)-1] == ']') {
		h = h[:len(h)-1]
	}
	return h
}

// queryPair is one name=value of the raw query, neither decoded.
type queryPair struct{ name, val string }

// queryPairs returns the query's pairs in order, split once per call.
func (v *callView) queryPairs() []queryPair {
	if !v.querySplit {
		v.querySplit = true
		for q := v.query; q != ""; {
			var pair string
			pair, q, _ = strings.Cut(q, "&")
			k, val, _ := strings.Cut(pair, "=")
			v.pairs = append(v.pairs, queryPair{k, val})
		}
	}
	return v.pairs
}

// queryParam returns the first value of a query parameter.
func (v *callView) queryParam(name string) (string, bool) {
	for _, p := range v.queryPairs() {
		k, val := p.name, p.val
		if k != name {
			continue
		}
		if strings.ContainsAny(val, "%+") {
			if dec, err := url.QueryUnescape(val); err == nil {
				val = dec
			}
		}
		return val, true
	}
	return "", false
}

// param returns the value of a named path parameter of the call's endpoint.
func (v *callView) param(rt *routes, name string) (string, bool) {
	if v.ep < 0 {
		return "", false
	}
	for i, n := range rt.params[v.ep] {
		if n == name {
			return v.params[i], true
		}
	}
	return "", false
}

// callHash identifies "the same call": method, URL and request body. Two
// calls with equal hashes are retries of each other.
func (v *callView) callHash() uint64 {
	if !v.hashed {
		h := fnvString(fnvOffset, v.method)
		h = fnvString(h, "\x00")
		h = fnvString(h, v.rec.Request.URL)
		h = fnvString(h, "\x00")
		h = fnvString(h, v.rec.Request.Body.Text)
		h = fnvString(h, v.rec.Request.Body.Base64)
		v.hash, v.hashed = h, true
	}
	return v.hash
}

// FNV-1a, 64 bit.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func fnvString(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return h
}

// stateEvent is one entity's state as a call's response shows it: the
// changes[from:to] of the view.
type stateEvent struct {
	entity   int
	key      string
	from, to int
}

// fieldChange is one field of an event: its value before the call (if it
// was known) and the value the response shows.
type fieldChange struct {
	field  int
	old    value
	hadOld bool
	new    value
}

// eventFor returns the event of entity and key this call carries.
func (v *callView) eventFor(entity int, key string) (stateEvent, bool) {
	for _, e := range v.events {
		if e.entity == entity && e.key == key {
			return e, true
		}
	}
	return stateEvent{}, false
}

// change returns the change of field within event e.
func (v *callView) change(e stateEvent, field int) (fieldChange, bool) {
	for _, c := range v.changes[e.from:e.to] {
		if c.field == field {
			return c, true
		}
	}
	return fieldChange{}, false
}
