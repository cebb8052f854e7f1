package coverage

import (
	"slices"
	"strings"
	"time"
)

// entityDef is one kind of entity whose state the engine tracks: a name
// (cardholder), the name of its identifier (cardholderId) and the fields
// the matrix's state sources set.
type entityDef struct {
	name   string
	id     string
	fields []string
}

func (e *entityDef) field(name string) int {
	for i, f := range e.fields {
		if f == name {
			return i
		}
	}
	return -1
}

// maxFields bounds the fields of an entity (known is a bit set).
const maxFields = 64

// stateSource reads entity state from the responses of matching calls.
type stateSource struct {
	match  *callMatcher
	entity int
	key    keyRef
	set    []fieldSource
}

// fieldSource says where a field's value comes from: a reference into the
// call, or a literal (a created cardholder is in status 4).
type fieldSource struct {
	field int
	ref   callRef
	lit   *value
}

// aliasDef learns that a value stands for an entity: after
// POST /otp/listeners answers a token, the token names the request's card.
type aliasDef struct {
	match  *callMatcher
	name   string
	entity int
	value  callRef
	means  keyRef
}

// entState is what the engine knows of one entity: what its fields are
// now, as far as the calls show or imply (vals), and what a response last
// showed of them (seen). when and forbid read the first; observe steps and
// polling compare with the second, since only a response the app read
// shows a change.
type entState struct {
	vals    []value
	set     uint64 // bit f: field f is known
	seen    []value
	seenSet uint64 // bit f: a response showed field f
}

// known reports whether field f is known; a nil state knows nothing.
func (s *entState) known(f int) bool { return s != nil && s.set&(1<<f) != 0 }

// shown reports whether a response showed field f.
func (s *entState) shown(f int) bool { return s != nil && s.seenSet&(1<<f) != 0 }

// world is the engine's shared state: the entities as the responses showed
// them, the aliases learned, and the engine's clock.
type world struct {
	rt       *routes
	m        *Matrix
	entities []map[string]*entState
	aliases  []map[string]string
	// now is the latest record time seen: the clock of every "still
	// within its window" decision. It never goes back.
	now time.Time
	// traces links events to the entities of their trace's calls.
	traces traceIndex
	// gate holds calls against the API's description (gate.go); it gates
	// nothing when the engine has none.
	gate gate
}

func newWorld(m *Matrix) *world {
	w := &world{rt: m.rt, m: m, traces: newTraceIndex(m)}
	w.entities = make([]map[string]*entState, len(m.entities))
	for i := range w.entities {
		w.entities[i] = map[string]*entState{}
	}
	w.aliases = make([]map[string]string, len(m.aliases))
	for i := range w.aliases {
		w.aliases[i] = map[string]string{}
	}
	return w
}

func (w *world) lookup(entity int, key string) *entState {
	return w.entities[entity][key]
}

// resolve returns the entity key a call names through k.
func (w *world) resolve(k *keyRef, v *callView) (string, bool) {
	val, ok := k.ref.first(w.rt, v)
	if !ok {
		return "", false
	}
	key := val.key()
	if key == "" {
		return "", false
	}
	if k.alias >= 0 {
		key, ok = w.aliases[k.alias][key]
	}
	return key, ok
}

// collect records in v the state changes its response shows, against the
// state a response showed before it, and what its success implies. The
// state itself changes only in apply, after the rules have seen the call.
func (w *world) collect(v *callView) {
	w.collectImplied(v)
	for _, i := range w.m.stateAt.at(v.ep) {
		src := &w.m.state[i]
		if !src.match.match(w, v) {
			continue
		}
		key, ok := w.resolve(&src.key, v)
		if !ok {
			continue
		}
		w.collectOne(v, src, key)
	}
}

func (w *world) collectOne(v *callView, src *stateSource, key string) {
	st := w.entities[src.entity][key]
	n := len(v.events)
	same := n > 0 && v.events[n-1].entity == src.entity && v.events[n-1].key == key
	from := len(v.changes)
	if same {
		from = v.events[n-1].from
	}
	for _, fs := range src.set {
		nv, ok := fs.ref.first(w.rt, v)
		if fs.lit != nil {
			nv, ok = *fs.lit, true
		}
		// null shows no value, and a composite is no field's.
		if !ok || nv.kind == kindNone || nv.kind == kindNull || nv.kind == kindComposite {
			continue
		}
		c := fieldChange{field: fs.field, new: nv}
		if st.shown(fs.field) {
			c.old, c.hadOld = st.seen[fs.field], true
		}
		// A later source for the same field of the same entity wins (an
		// extending matrix may read a field from elsewhere).
		if i := slices.IndexFunc(v.changes[from:], func(x fieldChange) bool { return x.field == fs.field }); i >= 0 {
			v.changes[from+i] = c
			continue
		}
		v.changes = append(v.changes, c)
	}
	switch {
	case same:
		v.events[n-1].to = len(v.changes)
	case len(v.changes) > from:
		v.events = append(v.events, stateEvent{entity: src.entity, key: key, from: from, to: len(v.changes)})
	}
}

// apply stores the state changes of v, what it implies first and then what
// it shows (a response beats an inference), and learns its aliases.
func (w *world) apply(v *callView) {
	for _, im := range v.implied {
		st := w.state(im.entity, im.key)
		st.vals[im.field] = im.val.clone()
		st.set |= 1 << im.field
	}
	for _, e := range v.events {
		st := w.state(e.entity, e.key)
		for _, c := range v.changes[e.from:e.to] {
			if !st.known(c.field) || !same(st.vals[c.field], c.new) {
				st.vals[c.field] = c.new.clone()
			}
			if !st.shown(c.field) || !same(st.seen[c.field], c.new) {
				st.seen[c.field] = st.vals[c.field] // the same value, already kept
			}
			st.set |= 1 << c.field
			st.seenSet |= 1 << c.field
		}
	}
	for _, i := range w.m.aliasesAt.at(v.ep) {
		a := &w.m.aliases[i]
		if !a.match.match(w, v) {
			continue
		}
		name, ok := a.value.first(w.rt, v)
		if !ok || name.key() == "" {
			continue
		}
		key, ok := w.resolve(&a.means, v)
		if !ok {
			continue
		}
		w.aliases[i][strings.Clone(name.key())] = strings.Clone(key)
	}
}

// state returns the state of an entity, creating it when new.
func (w *world) state(entity int, key string) *entState {
	m := w.entities[entity]
	st := m[key]
	if st == nil {
		n := len(w.m.entities[entity].fields)
		buf := make([]value, 2*n)
		st = &entState{vals: buf[:n:n], seen: buf[n:]}
		m[strings.Clone(key)] = st
	}
	return st
}

// same reports whether two values are the same text of the same kind, so
// a value kept in state is not cloned again for nothing.
func same(a, b value) bool { return a.kind == b.kind && a.str == b.str }

// collectImplied records in v what its success implies of entity state:
// the matrix's transitions, the documented state machines (a submission
// that succeeded puts the cardholder under review). They apply after the
// rules have seen the call, and no rule reads them as shown.
func (w *world) collectImplied(v *callView) {
	for _, i := range w.m.transAt.at(v.ep) {
		src := &w.m.trans[i]
		if !src.match.match(w, v) {
			continue
		}
		key, ok := w.resolve(&src.key, v)
		if !ok {
			continue
		}
		for _, fs := range src.set {
			nv, ok := fs.ref.first(w.rt, v)
			if fs.lit != nil {
				nv, ok = *fs.lit, true
			}
			if ok && nv.kind != kindNone && nv.kind != kindNull && nv.kind != kindComposite {
				v.implied = append(v.implied, impliedChange{entity: src.entity, key: key, field: fs.field, val: nv})
			}
		}
	}
}

// entityCount is the number of entities and aliases held: the engine's
// memory grows with it, not with the number of records.
func (w *world) entityCount() int {
	n := 0
	for _, m := range w.entities {
		n += len(m)
	}
	for _, m := range w.aliases {
		n += len(m)
	}
	return n
}
