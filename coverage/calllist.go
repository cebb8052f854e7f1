package coverage

import (
	"slices"
	"strings"
	"time"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// CallList collects the summaries of the calls of a record stream, to
// embed the ones a report's evidence names (a bundle's HTML links its
// evidence numbers to them). Which calls those are is only known once the
// whole stream has been judged, so every call is kept, in 32 bytes: the
// endpoint as its catalogue index, the time in nanoseconds, and the
// method, event name and error kind as indexes into a table of the
// distinct strings seen (a record's own strings are not retained). A
// million calls take 32 MB, in chunks, so the list never copies itself to
// grow. It is meant for a one-off pass such as an export, not for the
// live sidecar. The zero value is ready to use; it is not safe for
// concurrent use.
type CallList struct {
	chunks [][]compactCall
	strs   []string
	index  map[string]uint32
	n      int
}

// callChunk is how many calls one chunk holds (256 KiB).
const callChunk = 8192

// compactCall is a CallSummary in 32 bytes. name is the method of a call
// and the name of an event; name and err index CallList.strs.
type compactCall struct {
	seq    uint64
	unixNS int64
	name   uint32
	err    uint32
	ep     int16 // catalogue index; -1: other, or an event
	status int16
	event  bool
	synth  bool
}

// Add notes a record: calls and app events (evidence may name both);
// gaps are skipped. Records must come in sequence order.
func (l *CallList) Add(rec *evidence.Record) {
	c := compactCall{seq: rec.Seq, unixNS: rec.Time.UnixNano(), ep: -1}
	switch rec.Kind {
	case evidence.KindEvent:
		c.event = true
		if rec.Event != nil {
			c.name = l.intern(rec.Event.Name)
		}
	case evidence.KindCall:
		c.name = l.intern(rec.Request.Method)
		c.ep = int16(endpointIndex(rec.Request.Method, rec.Request.URL))
		if r := rec.Response; r != nil {
			c.status, c.synth = int16(min(max(r.Status, 0), 32767)), r.Synthetic
		}
		if rec.Error != nil {
			c.err = l.intern(string(rec.Error.Kind))
		}
	default:
		return
	}
	if l.n%callChunk == 0 {
		l.chunks = append(l.chunks, make([]compactCall, 0, callChunk))
	}
	last := &l.chunks[len(l.chunks)-1]
	*last = append(*last, c)
	l.n++
}

// intern returns the index of s in the table of strings, adding a copy
// of it when new. Index 0 is the empty string.
func (l *CallList) intern(s string) uint32 {
	if l.index == nil {
		l.strs, l.index = []string{""}, map[string]uint32{"": 0}
	}
	if i, ok := l.index[s]; ok {
		return i
	}
	i := uint32(len(l.strs))
	s = strings.Clone(s)
	l.strs = append(l.strs, s)
	l.index[s] = i
	return i
}

// Len is the number of calls noted.
func (l *CallList) Len() int { return l.n }

// Evidence returns the summaries of the calls that r's evidence lists
// name, in sequence order.
func (l *CallList) Evidence(r *Report) []CallSummary {
	var out []CallSummary
	for _, seq := range EvidenceSeqs(r) {
		if c, ok := l.find(seq); ok {
			out = append(out, l.summary(c))
		}
	}
	return out
}

// find returns the call of sequence number seq, if noted.
func (l *CallList) find(seq uint64) (compactCall, bool) {
	k, _ := slices.BinarySearchFunc(l.chunks, seq, func(ch []compactCall, s uint64) int { return cmpSeq(ch[0].seq, s) })
	for _, k := range []int{k, k - 1} { // the chunk starting at seq, or the one before
		if k < 0 || k >= len(l.chunks) {
			continue
		}
		ch := l.chunks[k]
		if i, ok := slices.BinarySearchFunc(ch, seq, func(c compactCall, s uint64) int { return cmpSeq(c.seq, s) }); ok {
			return ch[i], true
		}
	}
	return compactCall{}, false
}

func (l *CallList) summary(c compactCall) CallSummary {
	s := CallSummary{Seq: c.seq, Time: time.Unix(0, c.unixNS).UTC(), Method: l.strs[c.name], Endpoint: OtherEndpoint,
		Status: int(c.status), Synthetic: c.synth, ErrorKind: evidence.ErrorKind(l.strs[c.err])}
	switch {
	case c.event:
		s.Method, s.Endpoint = EventMethod, l.strs[c.name]
	case c.ep >= 0:
		s.Endpoint = catalogue[c.ep].Template
	}
	return s
}
