package coverage

// A record is read by many rules, and many of them look into the same
// bodies at the same places. The lookups of one record therefore share
// their work: a body's top-level members are read once, as far as the
// lookups need (a top-level array split into its elements on the way),
// and each JSON path the matrix uses (a reference's slot, numbered when
// the matrix is compiled) is followed at most once per record, the raw
// values it finds kept until the next record. The results are exactly
// those of scanning afresh with jsonEach, malformed JSON included; only
// the work differs.

// bodyView is one body of the current record.
type bodyView struct {
	doc   string
	trunc bool
	// obj is the document from its first byte when it is an object; pos
	// is where its members not yet in top start, -1 when there are no
	// more (the end, or a malformed member). top holds the members read so
	// far, in order, and elems the elements of those split so far.
	obj   string
	pos   int
	top   []topMember
	elems []string
}

// topMember is one top-level member: its key, decoded (keyOK unset when
// the key does not decode), its raw value and, once split, the value's
// elements as an array: elems[from:to].
type topMember struct {
	key, val string
	keyOK    bool
	split    bool
	from, to int
}

// reset makes b the body doc, reusing its buffers.
func (b *bodyView) reset(doc string, trunc bool) {
	*b = bodyView{doc: doc, trunc: trunc, pos: -1, top: b.top[:0], elems: b.elems[:0]}
	if obj := doc[skipWS(doc, 0):]; obj != "" && obj[0] == '{' {
		b.obj, b.pos = obj, skipWS(obj, 1)
	}
}

// find returns the index in top of the member key, the first one if the
// key repeats, as member(doc, key) would find it. Members are read only
// as far as a lookup needs.
func (b *bodyView) find(key string) (int, bool) {
	for i := range b.top {
		// keyEquals(quoted, key), with the key decoded once.
		if b.top[i].key == key && b.top[i].keyOK {
			return i, true
		}
	}
	for b.pos >= 0 {
		if !b.readMember() {
			b.pos = -1
			break
		}
		if m := &b.top[len(b.top)-1]; m.key == key && m.keyOK {
			return len(b.top) - 1, true
		}
	}
	return -1, false
}

// readMember adds the member at pos to top, as member reads it; it
// reports false at the end and at a malformed member. An array is split
// into its elements on the way, when that finds the same end.
func (b *bodyView) readMember() bool {
	k, esc, vstart, ok := memberStart(b.obj, b.pos)
	if !ok {
		return false
	}
	name, nameOK := keyName(k, esc)
	m := topMember{key: name, keyOK: nameOK}
	vend := -1
	if vstart < len(b.obj) && b.obj[vstart] == '[' {
		m.from = len(b.elems)
		vend = b.splitArray(vstart)
		m.split, m.to = vend >= 0, len(b.elems)
	}
	if vend < 0 {
		if vend = skipValue(b.obj, vstart); vend < 0 {
			return false
		}
	}
	m.val = b.obj[vstart:vend]
	b.top = append(b.top, m)
	b.pos = memberNext(b.obj, vend)
	return true
}

// splitArray appends to elems the elements of the array at i of obj and
// returns the index past it. It reads only arrays whose elements are
// valid values separated by commas, where the end it finds is the one
// skipValue finds and the elements those eachElement finds; for any other
// it leaves elems as it was and returns -1.
func (b *bodyView) splitArray(i int) int {
	v, from := b.obj, len(b.elems)
	j := skipWS(v, i+1)
	if j < len(v) && v[j] == ']' {
		return j + 1
	}
	for {
		end := skipValue(v, j)
		if end < 0 {
			break
		}
		b.elems = append(b.elems, v[j:end])
		if j = skipWS(v, end); j >= len(v) {
			break
		}
		if v[j] == ']' {
			return j + 1
		}
		if v[j] != ',' {
			break
		}
		j = skipWS(v, j+1)
	}
	b.elems = b.elems[:from]
	return -1
}

// member returns the raw value of the top-level member key.
func (b *bodyView) member(key string) (string, bool) {
	i, ok := b.find(key)
	if !ok {
		return "", false
	}
	return b.top[i].val, true
}

// elements returns the elements of top[i] as eachElement finds them: none
// when it is not an array.
func (b *bodyView) elements(i int) []string {
	m := &b.top[i]
	if !m.split {
		m.split, m.from = true, len(b.elems)
		eachElement(m.val, func(el string) bool {
			b.elems = append(b.elems, el)
			return false
		})
		m.to = len(b.elems)
	}
	return b.elems[m.from:m.to:m.to]
}

// each is jsonEach(b.doc, path, fn), starting from the indexed members
// and the arrays already split.
func (b *bodyView) each(path []string, fn func(raw string) bool) bool {
	if len(path) == 0 || path[0] == eachSeg {
		return jsonEach(b.doc, path, fn)
	}
	i, ok := b.find(path[0])
	if !ok {
		return false
	}
	if len(path) == 1 || path[1] != eachSeg {
		return eachAt(b.top[i].val, path[1:], fn)
	}
	for _, el := range b.elements(i) {
		if eachAt(el, path[2:], fn) {
			return true
		}
	}
	return false
}

// refCache holds, for the current record, the raw values found at each
// body reference's slot: raws[from:to] of slots[slot], when its gen is the
// record's.
type refCache struct {
	gen   uint64
	slots []rawRange
	raws  []string
}

type rawRange struct {
	gen      uint64
	from, to int
}

// newRefCache returns a cache for a matrix with n slots.
func newRefCache(n int) refCache {
	return refCache{gen: 1, slots: make([]rawRange, n+1)}
}

// recycle empties the cache for the next record, keeping its buffers.
func (c *refCache) recycle() refCache {
	return refCache{gen: c.gen + 1, slots: c.slots, raws: c.raws[:0]}
}

// bodyRaws returns the raw text of every value the body reference r finds
// in b, in document order, as jsonEach finds them; a reference without a
// slot is read afresh each time.
func (v *callView) bodyRaws(r *callRef, b *bodyView) []string {
	c := &v.cache
	cached := r.slot > 0 && r.slot < len(c.slots)
	if cached && c.slots[r.slot].gen == c.gen {
		s := c.slots[r.slot]
		return c.raws[s.from:s.to]
	}
	from := len(c.raws)
	b.each(r.path, func(raw string) bool {
		c.raws = append(c.raws, raw)
		return false
	})
	if cached {
		c.slots[r.slot] = rawRange{gen: c.gen, from: from, to: len(c.raws)}
	}
	return c.raws[from:len(c.raws):len(c.raws)]
}
