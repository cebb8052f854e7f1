package coverage

import (
	"bytes"
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// This file makes the mutants of a meeting trace (mutation_test.go runs
// them). Each mutant changes one thing the evidence depends on: the
// entity a step is about, the answer it got, the outcome its answer
// shows, the path it went to, the order or timing of the steps, what was
// captured of a body.

// mutant is one changed copy of a meeting trace.
type mutant struct {
	// kind names the mutation (see mutationKinds); step the endpoint of
	// the call it changed ("PUT /cards/{cardId}/update"), field the
	// response field it replaced.
	kind, step, field string
	recs              []*evidence.Record
}

// mutationKinds lists every kind a mutant can have, in report order.
func mutationKinds() []string {
	return []string{
		"rekey",
		"fail-400", "fail-401", "fail-404", "fail-409", "fail-422", "fail-429", "fail-500", "fail-503", "no-response", "proxy-refusal",
		"outcome-pending", "outcome-null", "outcome-missing", "outcome-previous",
		"undocumented-path", "extra-segment", "undocumented-method",
		"split-items", "drop-reads", "reorder", "truncate-request", "truncate-response", "drop-read", "outside-window",
		"event-rekey", "event-retrace", "event-rename", "drop-event", "event-before", "event-late", "event-said-early",
	}
}

// mutator builds the mutants of one trace for one requirement.
type mutator struct {
	m      *Matrix
	req    int
	recs   []*evidence.Record
	proof  []int // indexes in recs of the evidence records, ascending
	window time.Duration
	out    []mutant
}

// stepName is the catalogue endpoint of a record, or its method and path,
// with "@k" when it is the k-th record of the evidence.
func (mu *mutator) stepName(i int) string {
	rec := mu.recs[i]
	if rec.Kind == evidence.KindEvent {
		name := "event " + rec.Event.Name
		if k := slices.Index(mu.proof, i); k >= 0 {
			name += " @" + itoa(k+1)
		}
		return name
	}
	var vals [maxParams]string
	_, path, _ := splitURL(rec.Request.URL)
	name := rec.Request.Method + " " + apiPath(path)
	if ep := mu.m.rt.lookup(rec.Request.Method, apiPath(path), &vals); ep >= 0 {
		name = catalogue[ep].Method + " " + catalogue[ep].Template
	}
	if k := slices.Index(mu.proof, i); k >= 0 {
		name += " @" + itoa(k+1)
	}
	return name
}

// with adds a mutant: the trace with record i replaced by what change makes
// of a copy of it.
func (mu *mutator) with(kind string, i int, field string, change func(r *evidence.Record)) {
	recs := slices.Clone(mu.recs)
	r := cloneRecord(mu.recs[i])
	change(r)
	recs[i] = r
	mu.out = append(mu.out, mutant{kind: kind, step: mu.stepName(i), field: field, recs: recs})
}

// without adds a mutant: the trace without the records at drop.
func (mu *mutator) without(kind string, i int, drop []int) {
	var recs []*evidence.Record
	for j, r := range mu.recs {
		if !slices.Contains(drop, j) {
			recs = append(recs, r)
		}
	}
	mu.out = append(mu.out, mutant{kind: kind, step: mu.stepName(i), recs: recs})
}

func cloneRecord(r *evidence.Record) *evidence.Record {
	c := *r
	c.Request.Header = r.Request.Header.Clone()
	if r.Response != nil {
		resp := *r.Response
		resp.Header = r.Response.Header.Clone()
		c.Response = &resp
	}
	if r.Error != nil {
		e := *r.Error
		c.Error = &e
	}
	return &c
}

// all makes every mutant of the trace.
func (mu *mutator) all() []mutant {
	for k, i := range mu.proof {
		if mu.recs[i].Kind == evidence.KindEvent {
			mu.eventMutants(i, k)
			continue
		}
		if len(mu.recs) > 1 {
			mu.rekey(i)
		}
		mu.failures(i)
		mu.outcomes(i)
		mu.paths(i)
		mu.splitItems(i)
		mu.truncations(i)
		if mu.recs[i].Request.Method == http.MethodGet {
			mu.without("drop-read", i, []int{i})
		}
	}
	mu.reorders()
	mu.outsideWindow()
	return mu.out
}

// entityFields are the body members that name an entity.
func entityFields(m *Matrix) []string {
	out := []string{"sourceWalletId", "destinationId"}
	for _, e := range m.entities {
		out = append(out, e.id)
	}
	for _, a := range m.aliases {
		out = append(out, a.name)
	}
	return out
}

// keyNames are the names that identify the entities the requirement
// follows: their identifiers and the aliases that stand for them (a token
// for a card).
func (mu *mutator) keyNames() []string {
	ents := map[int]bool{}
	for _, m := range mu.matchers() {
		if m.key.set {
			ents[m.key.entity] = true
		}
	}
	var out []string
	for e := range ents {
		out = append(out, mu.m.entities[e].id)
		switch mu.m.entities[e].name {
		case "card":
			out = append(out, "destinationId")
		case "wallet":
			out = append(out, "sourceWalletId", "destinationId")
		}
	}
	for _, a := range mu.m.aliases {
		if ents[a.entity] {
			out = append(out, a.name)
		}
	}
	return out
}

// rekey makes record i about other entities: each id in its path, and in
// its bodies each id of an entity the requirement follows, replaced
// everywhere in the record by an id nothing else in the trace uses.
func (mu *mutator) rekey(i int) {
	rec := mu.recs[i]
	ids := map[string]bool{}
	names := mu.keyNames()
	var vals [maxParams]string
	_, path, _ := splitURL(rec.Request.URL)
	if ep := mu.m.rt.lookup(rec.Request.Method, apiPath(path), &vals); ep >= 0 {
		// The entity in the path is what the call is about.
		for k := range mu.m.rt.params[ep] {
			ids[vals[k]] = true
		}
	}
	for _, b := range []string{rec.Request.Body.Text, responseText(rec)} {
		for _, f := range names {
			for _, v := range memberValues(b, f) {
				ids[v] = true
			}
		}
	}
	for _, id := range slices.Sorted(maps.Keys(ids)) {
		if len(id) < 3 {
			continue
		}
		other := otherID(id)
		mu.with("rekey", i, id, func(r *evidence.Record) {
			r.Request.URL = replaceToken(r.Request.URL, id, other)
			r.Request.Body.Text = replaceToken(r.Request.Body.Text, id, other)
			if r.Response != nil {
				r.Response.Body.Text = replaceToken(r.Response.Body.Text, id, other)
			}
		})
	}
}

func otherID(id string) string {
	if strings.Trim(id, "0123456789") == "" {
		return "7" + id
	}
	return id + "-other"
}

func responseText(r *evidence.Record) string {
	if r.Response == nil {
		return ""
	}
	return r.Response.Body.Text
}

// replaceToken replaces id in s where it stands alone: not inside a
// longer run of letters and digits.
func replaceToken(s, id, with string) string {
	var b strings.Builder
	for {
		j := strings.Index(s, id)
		if j < 0 {
			b.WriteString(s)
			return b.String()
		}
		end := j + len(id)
		alone := (j == 0 || !alnum(s[j-1])) && (end == len(s) || !alnum(s[end]))
		b.WriteString(s[:j])
		if alone {
			b.WriteString(with)
		} else {
			b.WriteString(id)
		}
		s = s[end:]
	}
}

func alnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// memberValues returns the scalar values of every member named key at
// any depth of a JSON document, as text.
func memberValues(doc, key string) []string {
	var root any
	if json.Unmarshal([]byte(doc), &root) != nil {
		return nil
	}
	var out []string
	var walk func(x any)
	walk = func(x any) {
		switch t := x.(type) {
		case map[string]any:
			for k, v := range t {
				if k == key {
					if s := scalarText(v); s != "" {
						out = append(out, s)
					}
				}
				walk(v)
			}
		case []any:
			for _, v := range t {
				walk(v)
			}
		}
	}
	walk(root)
	return out
}

func scalarText(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case float64:
		b, _ := json.Marshal(t)
		return string(b)
	}
	return ""
}

// failures answers record i with each failure class instead.
func (mu *mutator) failures(i int) {
	for _, st := range []int{400, 401, 404, 409, 422, 429, 500, 503} {
		if r := mu.recs[i].Response; r != nil && r.Status == st && !r.Synthetic {
			continue
		}
		mu.with("fail-"+itoa(st), i, "", func(r *evidence.Record) {
			body := `{"status":"error","message":"failed"}`
			r.Response = &evidence.Response{Status: st, Body: evidence.NewBody([]byte(body), int64(len(body)), false)}
			if st == 429 {
				r.Response.Header = http.Header{"Retry-After": {"1"}}
			}
			r.Error = nil
		})
	}
	mu.with("no-response", i, "", func(r *evidence.Record) {
		r.Response = nil
		r.Error = &evidence.CallError{Kind: evidence.ErrUpstream, Message: "upstream: read tcp: connection reset by peer"}
	})
	if r := mu.recs[i].Response; r == nil || !r.Synthetic {
		mu.with("proxy-refusal", i, "", func(r *evidence.Record) {
			body := `{"status":"error","message":"refused by evidence-proxy"}`
			r.Response = &evidence.Response{Status: 403, Synthetic: true, Body: evidence.NewBody([]byte(body), int64(len(body)), false)}
			r.Error = &evidence.CallError{Kind: evidence.ErrGuardRefused, Message: "refusing to forward: not an allowlisted staging host"}
		})
	}
}

// paths sends record i where the catalogue has no endpoint.
func (mu *mutator) paths(i int) {
	mu.with("undocumented-path", i, "", func(r *evidence.Record) {
		r.Request.URL = strings.Replace(r.Request.URL, "/v2/", "/v2/undocumented/", 1)
	})
	mu.with("extra-segment", i, "", func(r *evidence.Record) {
		u, q, hasQ := strings.Cut(r.Request.URL, "?")
		// One segment more can still be a documented path (/cardholders
		// then /cardholders/{id}): add until it is not.
		for r.Request.URL = u; mu.endpoint(r) >= 0; u = r.Request.URL {
			r.Request.URL = u + "/extra"
		}
		if hasQ {
			r.Request.URL += "?" + q
		}
	})
	mu.with("undocumented-method", i, "", func(r *evidence.Record) { r.Request.Method = http.MethodPatch })
}

// truncations cut the bodies of record i to nothing, flagged truncated,
// where the requirement reads them.
func (mu *mutator) truncations(i int) {
	if mu.recs[i].Request.Body.Text != "" && mu.readsBody(mu.recs[i], refReqBody) {
		mu.with("truncate-request", i, "", func(r *evidence.Record) {
			r.Request.Body = evidence.Body{Size: r.Request.Body.Size, Truncated: true}
		})
	}
	if responseText(mu.recs[i]) != "" && mu.readsBody(mu.recs[i], refRespBody) {
		mu.with("truncate-response", i, "", func(r *evidence.Record) {
			r.Response.Body = evidence.Body{Size: r.Response.Body.Size, Truncated: true}
		})
	}
}

// dropReads returns the mutants that drop the reads between a transition
// call of the evidence and the next step of it.
func (mu *mutator) dropReads() []mutant {
	mu.out = nil
	for k, i := range mu.proof {
		if mu.recs[i].Request.Method == http.MethodGet {
			continue
		}
		next := len(mu.recs)
		if k+1 < len(mu.proof) {
			next = mu.proof[k+1]
		}
		var drop []int
		for j := i + 1; j < next; j++ {
			if mu.recs[j].Request.Method == http.MethodGet {
				drop = append(drop, j)
			}
		}
		if len(drop) > 0 {
			mu.without("drop-reads", i, drop)
		}
	}
	return mu.out
}

// reorders swaps each pair of consecutive evidence records, each keeping
// the other's time and sequence number.
func (mu *mutator) reorders() {
	for k := 0; k+1 < len(mu.proof); k++ {
		a, b := mu.proof[k], mu.proof[k+1]
		if sameCall(mu.recs[a], mu.recs[b]) {
			continue // swapping two alike changes nothing
		}
		recs := slices.Clone(mu.recs)
		ra, rb := cloneRecord(mu.recs[b]), cloneRecord(mu.recs[a])
		ra.Seq, ra.Time, rb.Seq, rb.Time = mu.recs[a].Seq, mu.recs[a].Time, mu.recs[b].Seq, mu.recs[b].Time
		recs[a], recs[b] = ra, rb
		mu.out = append(mu.out, mutant{kind: "reorder", step: mu.stepName(b), recs: recs})
	}
}

// sameCall reports whether two records hold the same call and answer.
func sameCall(a, b *evidence.Record) bool {
	return a.Request.Method == b.Request.Method && a.Request.URL == b.Request.URL && a.Request.Body.Text == b.Request.Body.Text &&
		(a.Response == nil) == (b.Response == nil) && (a.Response == nil || a.Response.Status == b.Response.Status && a.Response.Body.Text == b.Response.Body.Text)
}

// outsideWindow moves the evidence from its second record on, and all
// after it, later by more than the requirement's window.
func (mu *mutator) outsideWindow() {
	if mu.window == 0 {
		return
	}
	for _, i := range mu.proof[1:] {
		recs := slices.Clone(mu.recs)
		for j := i; j < len(recs); j++ {
			r := cloneRecord(recs[j])
			r.Time = r.Time.Add(mu.window + time.Minute)
			if r.Event != nil {
				e := *r.Event
				e.Time = r.Time
				r.Event = &e
			}
			recs[j] = r
		}
		mu.out = append(mu.out, mutant{kind: "outside-window", step: mu.stepName(i), recs: recs})
	}
}

// jsonDoc decodes a body, numbers kept as written.
func jsonDoc(s string) (any, bool) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var doc any
	if dec.Decode(&doc) != nil {
		return nil, false
	}
	return doc, true
}

func encodeDoc(doc any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(doc)
	return strings.TrimSuffix(b.String(), "\n")
}
