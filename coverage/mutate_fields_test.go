package coverage

import (
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// The outcome fields of a response are the fields the requirement reads
// from it: its predicates, keys and captures, the state sources of the
// entities whose state it reads, the aliases its keys go through, and a
// list's items, total and offset for paging. Mutants replace each with
// what a response shows before the outcome: a pending state, null,
// nothing, or the value an earlier response showed.

// outcomes replaces each outcome field of record i's response.
func (mu *mutator) outcomes(i int) {
	doc, ok := jsonDoc(responseText(mu.recs[i]))
	if !ok {
		return
	}
	for _, path := range mu.readPaths(mu.recs[i]) {
		if !hasPath(doc, path) {
			continue
		}
		field := pathText(path)
		now := valueAt(doc, path)
		// An identifier is no outcome: another one names another entity,
		// which rekey covers; it can still be null or missing.
		id := slices.Contains(entityFields(mu.m), path[len(path)-1]) || strings.HasSuffix(path[len(path)-1], "Id")
		if now != "pending" && !id {
			mu.setField("outcome-pending", i, path, field, func(map[string]any, string) (any, bool) { return "pending", true })
		}
		if now != nil {
			mu.setField("outcome-null", i, path, field, func(map[string]any, string) (any, bool) { return nil, true })
		}
		mu.setField("outcome-missing", i, path, field, func(map[string]any, string) (any, bool) { return nil, false })
		if prev, ok := mu.previous(i, path, doc); ok && !id {
			mu.setField("outcome-previous", i, path, field, func(map[string]any, string) (any, bool) { return prev, true })
		}
	}
}

// setField adds a mutant of record i whose response has, at path, what
// fn returns (deleted when it returns false).
func (mu *mutator) setField(kind string, i int, path []string, field string, fn func(obj map[string]any, key string) (any, bool)) {
	mu.with(kind, i, field, func(r *evidence.Record) {
		doc, _ := jsonDoc(r.Response.Body.Text)
		eachParent(doc, path, func(obj map[string]any, key string) {
			if v, keep := fn(obj, key); keep {
				obj[key] = v
			} else {
				delete(obj, key)
			}
		})
		r.Response.Body.Text = encodeDoc(doc)
	})
}

// previous returns the value the nearest earlier response showed at path,
// when it differs from record i's.
func (mu *mutator) previous(i int, path []string, doc any) (any, bool) {
	now := valueAt(doc, path)
	for j := i - 1; j >= 0; j-- {
		d, ok := jsonDoc(responseText(mu.recs[j]))
		if !ok || !hasPath(d, path) {
			continue
		}
		if v := valueAt(d, path); encodeDoc(v) != encodeDoc(now) {
			return v, true
		}
		return nil, false
	}
	return nil, false
}

// eachParent calls fn with the object holding the last segment of path
// and that segment, for every element the path's [] go through.
func eachParent(doc any, path []string, fn func(obj map[string]any, key string)) {
	switch {
	case len(path) == 0:
	case path[0] == eachSeg:
		if arr, ok := doc.([]any); ok {
			for _, el := range arr {
				eachParent(el, path[1:], fn)
			}
		}
	default:
		obj, ok := doc.(map[string]any)
		if !ok {
			return
		}
		if len(path) == 1 {
			if _, ok := obj[path[0]]; ok {
				fn(obj, path[0])
			}
			return
		}
		eachParent(obj[path[0]], path[1:], fn)
	}
}

func hasPath(doc any, path []string) bool {
	found := false
	eachParent(doc, path, func(map[string]any, string) { found = true })
	return found
}

// valueAt returns the first value at path.
func valueAt(doc any, path []string) any {
	var out any
	done := false
	eachParent(doc, path, func(obj map[string]any, key string) {
		if !done {
			out, done = obj[key], true
		}
	})
	return out
}

// splitItems splits each element of a list the requirement reads with
// several predicates into two: one keeping the first field they read, one
// keeping the others, each with the rest changed.
func (mu *mutator) splitItems(i int) {
	doc, ok := jsonDoc(responseText(mu.recs[i]))
	if !ok {
		return
	}
	for _, g := range mu.groups(mu.recs[i]) {
		if g.elems.root != refRespBody || !hasPath(doc, g.elems.path[:len(g.elems.path)-1]) {
			continue
		}
		g := g
		mu.with("split-items", i, pathText(g.elems.path), func(r *evidence.Record) {
			d, _ := jsonDoc(r.Response.Body.Text)
			arrPath := g.elems.path[:len(g.elems.path)-1]
			eachParent(d, arrPath, func(obj map[string]any, key string) {
				obj[key] = splitElements(obj[key], g.preds)
			})
			r.Response.Body.Text = encodeDoc(d)
		})
	}
}

func splitElements(list any, preds []predicate) any {
	arr, ok := list.([]any)
	if !ok {
		return list
	}
	var out []any
	for _, el := range arr {
		a, b := copyDoc(el), copyDoc(el)
		for k, p := range preds {
			if k == 0 {
				eachParent(b, p.call.path, perturb)
			} else {
				eachParent(a, p.call.path, perturb)
			}
		}
		out = append(out, a, b)
	}
	return out
}

// perturb changes a value into another of its kind.
func perturb(obj map[string]any, key string) {
	switch t := obj[key].(type) {
	case json.Number:
		obj[key] = json.Number(string(t) + "97")
	case string:
		obj[key] = t + "-other"
	case bool:
		obj[key] = !t
	default:
		obj[key] = "other"
	}
}

func copyDoc(x any) any {
	d, _ := jsonDoc(encodeDoc(x))
	return d
}

// groups returns the item groups of the requirement's matchers that can
// match record r.
func (mu *mutator) groups(r *evidence.Record) []itemGroup {
	var v callView
	v.cache = newRefCache(mu.m.refSlots)
	v.reset(mu.m.rt, r)
	var out []itemGroup
	for _, m := range mu.matchers() {
		if takesCall(m, &v) {
			out = append(out, m.groups...)
		}
	}
	return out
}

func (mu *mutator) endpoint(r *evidence.Record) int {
	var vals [maxParams]string
	_, path, _ := splitURL(r.Request.URL)
	if !strings.HasPrefix(path, "/v2/") {
		return -1
	}
	return mu.m.rt.lookup(r.Request.Method, apiPath(path), &vals)
}

// readPaths returns the response paths the requirement reads from record
// r's answer.
func (mu *mutator) readPaths(r *evidence.Record) [][]string {
	var out [][]string
	mu.reads(r, func(ref callRef) {
		if ref.root == refRespBody && len(ref.path) > 0 && !slices.ContainsFunc(out, func(p []string) bool { return slices.Equal(p, ref.path) }) {
			out = append(out, ref.path)
		}
	})
	return out
}

// readsBody reports whether the requirement reads the request (root
// refReqBody) or response body of a call to endpoint ep; a retry reads
// the request whole, since it names the call.
func (mu *mutator) readsBody(r *evidence.Record, root refRoot) bool {
	found := false
	mu.reads(r, func(ref callRef) { found = found || ref.root == root })
	if root == refReqBody {
		for _, spec := range mu.rules() {
			_, retry := spec.(*retrySpec)
			found = found || retry
		}
	}
	return found
}

// reads calls add with every reference the requirement reads from the
// call r: its matchers' predicates and keys, the aliases its keys go
// through, its steps' captures, the paging fields of its lists, and the
// state sources and transitions of the entity fields it reads; each only
// where its patterns take the call.
func (mu *mutator) reads(r *evidence.Record, add func(callRef)) {
	var v callView
	v.cache = newRefCache(mu.m.refSlots)
	v.reset(mu.m.rt, r)
	takes := func(m *callMatcher) bool { return takesCall(m, &v) }
	fields := map[stateRef]bool{}
	for _, m := range mu.matchers() {
		if m.key.set && m.key.alias >= 0 && takes(mu.m.aliases[m.key.alias].match) {
			add(mu.m.aliases[m.key.alias].value)
		}
		for _, p := range m.when {
			fields[*p.state] = true
		}
		if takes(m) {
			matcherRefs(m, add)
		}
	}
	for _, spec := range mu.rules() {
		ruleRefs(spec, takes, add, fields)
	}
	for n, srcs := range [][]stateSource{mu.m.state, mu.m.trans} {
		for _, src := range srcs {
			if !takes(src.match) {
				continue
			}
			for _, fs := range src.set {
				// What a response shows of an entity is the outcome of
				// the call: mutated whether the rule reads it or not.
				if n == 0 && fs.lit == nil && fs.ref.root == refRespBody {
					add(fs.ref)
				}
				if fields[stateRef{entity: src.entity, field: fs.field}] {
					add(src.key.ref)
					if fs.lit == nil {
						add(fs.ref)
					}
				}
			}
		}
	}
}

// takesCall reports whether a pattern of m and its origin take the call,
// its predicates aside.
func takesCall(m *callMatcher, v *callView) bool {
	if (v.ep < 0 && !m.undocumented) || !m.origin.match(v) {
		return false
	}
	return slices.ContainsFunc(m.patterns, func(p callPattern) bool { return p.match(v) })
}

// matcherRefs adds the references a matcher reads.
func matcherRefs(m *callMatcher, add func(callRef)) {
	for _, ps := range [][]predicate{m.where, m.keyWhere} {
		for _, p := range ps {
			add(p.call)
		}
	}
	for _, g := range m.groups {
		for _, p := range g.preds {
			add(callRef{root: g.elems.root, path: append(slices.Clone(g.elems.path), p.call.path...)})
		}
	}
	if m.key.set {
		add(m.key.ref)
	}
}

// ruleRefs adds what a rule reads besides its matchers' predicates: the
// captures of its steps, the entity fields it reads (into fields), a
// list's paging fields.
func ruleRefs(r ruleSpec, takes func(*callMatcher) bool, add func(callRef), fields map[stateRef]bool) {
	switch s := r.(type) {
	case *sequenceSpec:
		for _, st := range s.steps {
			for _, p := range st.observe {
				fields[*p.state] = true
			}
			for _, cp := range st.captures {
				if takes(st.calls[0]) {
					add(cp.ref)
				}
			}
		}
	case *pollSpec:
		for _, f := range s.watch {
			fields[stateRef{entity: s.entity, field: f}] = true
		}
	case *pagedSpec:
		for _, m := range s.lists {
			if takes(m) {
				for _, f := range []string{"items", "total", "offset"} {
					add(callRef{root: refRespBody, path: []string{f}})
				}
			}
		}
	case *combineSpec:
		for _, p := range s.parts {
			ruleRefs(p, takes, add, fields)
		}
	}
}

// rules returns the rule of the requirement and, for requires, those of
// the requirements it names.
func (mu *mutator) rules() []ruleSpec {
	r := mu.m.reqs[mu.req]
	if rs, ok := r.rule.(*requiresSpec); ok {
		var out []ruleSpec
		for _, j := range rs.idx {
			out = append(out, mu.m.reqs[j].rule)
		}
		return out
	}
	return []ruleSpec{r.rule}
}

// matchers returns every call matcher of the requirement's rules and
// forbids.
func (mu *mutator) matchers() []*callMatcher {
	var out []*callMatcher
	reqs := []int{mu.req}
	if rs, ok := mu.m.reqs[mu.req].rule.(*requiresSpec); ok {
		reqs = append(reqs, rs.idx...)
	}
	for _, i := range reqs {
		out = append(out, mu.m.reqs[i].forbid...)
		out = append(out, ruleMatchers(mu.m.reqs[i].rule)...)
	}
	return out
}

func ruleMatchers(r ruleSpec) []*callMatcher {
	switch s := r.(type) {
	case *callSpec:
		return []*callMatcher{s.m}
	case *sequenceSpec:
		var out []*callMatcher
		for _, st := range s.steps {
			out = append(out, st.calls...)
		}
		return append(out, s.without...)
	case *retrySpec:
		return append([]*callMatcher{s.after}, s.renew...)
	case *pollSpec:
		return append([]*callMatcher{s.read}, s.without...)
	case *pagedSpec:
		return s.lists
	case *combineSpec:
		var out []*callMatcher
		for _, p := range s.parts {
			out = append(out, ruleMatchers(p)...)
		}
		return out
	}
	return nil
}

// ruleWindow is the longest window of the requirement's rules: moving a
// step later than it takes the step out of every window.
func ruleWindow(r ruleSpec) (w time.Duration) {
	switch s := r.(type) {
	case *sequenceSpec:
		return s.within
	case *retrySpec:
		return s.within
	case *combineSpec:
		for _, p := range s.parts {
			w = max(w, ruleWindow(p))
		}
	}
	return w
}
