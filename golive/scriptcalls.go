package golive

import (
	"sort"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// ScriptHeader is the header every call of a test script carries, with the
// script's requirement id as its value.
const ScriptHeader = "X-Evidence-Script"

// maxScriptRuns bounds the runs a ScriptCalls keeps (about 40 bytes each).
const maxScriptRuns = 1 << 16

// ScriptCalls indexes which records are calls made by a test script: fed
// every record in sequence order (the same pass that feeds coverage), it
// keeps runs of consecutive script calls, so its memory grows with the
// number of times script and app traffic alternate, not with the records,
// and is capped (maxScriptRuns); past the cap, later records are unknown.
// The zero value is ready to use; it is not safe for concurrent use.
//
// A tag is a claim by whoever made the call, not a proof: it marks evidence
// as a script's so that the auditor sees what the app did not produce
// itself, and anyone could send it. An app that wants its own evidence
// counted as its own simply does not send the header.
type ScriptCalls struct {
	runs      []scriptRun
	tags      []string
	tagIndex  map[string]int
	last      uint64
	truncated bool
}

// scriptRun is the seqs first..last, every one a call tagged tags[tag].
type scriptRun struct {
	first, last uint64
	tag         int
}

// maxTags bounds the distinct tags kept; the rest count as "other".
const maxTags = 256

// Observe indexes one record. Records must come in ascending Seq order.
func (s *ScriptCalls) Observe(rec *evidence.Record) {
	if rec.Seq <= s.last && s.last != 0 {
		return
	}
	s.last = rec.Seq
	if rec.Kind != evidence.KindCall || s.truncated {
		return
	}
	v := rec.Request.Header.Get(ScriptHeader)
	if v == "" {
		return
	}
	tag := s.intern(v)
	if n := len(s.runs); n > 0 && s.runs[n-1].last+1 == rec.Seq && s.runs[n-1].tag == tag {
		s.runs[n-1].last = rec.Seq
		return
	}
	if len(s.runs) == maxScriptRuns {
		s.truncated = true
		return
	}
	s.runs = append(s.runs, scriptRun{first: rec.Seq, last: rec.Seq, tag: tag})
}

func (s *ScriptCalls) intern(v string) int {
	if !scriptIDPattern.MatchString(v) || len(v) > 64 {
		v = "other"
	}
	if i, ok := s.tagIndex[v]; ok {
		return i
	}
	if len(s.tags) == maxTags {
		v = "other"
		if i, ok := s.tagIndex[v]; ok {
			return i
		}
	}
	if s.tagIndex == nil {
		s.tagIndex = map[string]int{}
	}
	s.tagIndex[v] = len(s.tags)
	s.tags = append(s.tags, v)
	return len(s.tags) - 1
}

// Lookup reports the script tag of the call with sequence number seq
// ("" for a record no script made) and whether that is known: it is not
// for a record past the index's cap or never observed.
func (s *ScriptCalls) Lookup(seq uint64) (tag string, known bool) {
	if s == nil || seq > s.last || (s.truncated && seq > s.indexedUpTo()) {
		return "", false
	}
	i := sort.Search(len(s.runs), func(i int) bool { return s.runs[i].last >= seq })
	if i < len(s.runs) && s.runs[i].first <= seq {
		return s.tags[s.runs[i].tag], true
	}
	return "", true
}

// indexedUpTo is the last seq whose tag is known once the index is full.
func (s *ScriptCalls) indexedUpTo() uint64 {
	if len(s.runs) == 0 {
		return 0
	}
	return s.runs[len(s.runs)-1].last
}

// Truncated reports whether the index reached its cap.
func (s *ScriptCalls) Truncated() bool { return s != nil && s.truncated }
