package recorder

import (
	"context"
	"time"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// Stream is one ordered read of a store's records, the one way everything
// reads them back: coverage rebuilt at a start, the offline commands and
// export. It selects every committed record, those
// from or up to a sequence number, and those whose time falls in a window.
// A Stream is a value: From, To and Window return a narrowed copy, so one
// Stream can be narrowed for several reads, and it may be used from
// several goroutines at once.
//
// Records come in sequence order, which is commit order. A window selects
// by the record time each envelope keeps beside the compressed record:
// records outside it are skipped without being copied or decompressed.
// Commit order is only roughly time order (a long call received early
// commits after shorter later ones), so a windowed read still looks at
// every envelope of its sequence range, which costs a read of 8 bytes per
// record and no decompression.
//
// Records are redacted, decompressed and share no memory with the store;
// callers may keep them.
type Stream struct {
	s        *Store
	from, to uint64
	window   evidence.Window
	// decoded is readSpec.decoded (a test seam).
	decoded func(seq uint64)
}

// Stream returns the stream of every record of the store.
func (s *Store) Stream() Stream { return Stream{s: s} }

// From returns the stream starting at sequence number seq (0 and 1: the
// first record).
func (st Stream) From(seq uint64) Stream {
	st.from = seq
	return st
}

// To returns the stream ending at sequence number seq (0: the head when a
// read starts).
func (st Stream) To(seq uint64) Stream {
	st.to = seq
	return st
}

// Window returns the stream of the records whose time is in w
// ([Since, Until); a zero bound is open, the zero Window selects all).
func (st Stream) Window(w evidence.Window) Stream {
	st.window = w
	return st
}

// Each calls fn for each record of the stream, in sequence order, among
// the records committed when it starts. An error from fn stops the read
// and is returned as it is; a failure to read or decode is returned
// wrapped ("read records: …", "iterate records: …").
func (st Stream) Each(ctx context.Context, fn func(*evidence.Record) error) error {
	return st.EachBatch(ctx, func(recs []*evidence.Record) error {
		for _, r := range recs {
			if err := fn(r); err != nil {
				return err
			}
		}
		return nil
	})
}

// EachBatch is Each with the records handed over as they are read, in
// batches of up to 256 in sequence order (live coverage observes a batch
// at a time). fn may keep the slice.
func (st Stream) EachBatch(ctx context.Context, fn func([]*evidence.Record) error) error {
	spec, ok := st.spec()
	if !ok {
		return nil
	}
	return st.s.iterate(ctx, spec, fn)
}

// Iterate calls fn for each record of the stream from fromSeq on: it is
// From(max(fromSeq, the stream's own start)).Each, so that a Stream is an
// export.Source.
func (st Stream) Iterate(ctx context.Context, fromSeq uint64, fn func(*evidence.Record) error) error {
	return st.From(max(st.from, fromSeq)).Each(ctx, fn)
}

// Span returns the sequence numbers of the first and last records of the
// stream (From and To apply; the stream's own Window does not, w does)
// whose time is in w, or 0, 0 when there is none. It reads only the times
// kept in the envelopes: nothing is decompressed. It implements
// export.TimeIndex: an export of a window takes the whole run first..last,
// so that its chain stays verifiable.
func (st Stream) Span(ctx context.Context, w evidence.Window, through uint64) (first, last uint64, err error) {
	if through != 0 && (st.to == 0 || through < st.to) {
		st.to = through
	}
	spec, ok := st.spec()
	if !ok {
		return 0, 0, nil
	}
	err = st.s.scanTimes(ctx, spec.from, spec.to, func(seq uint64, t time.Time, ok bool) {
		if ok && w.Contains(t) {
			if first == 0 {
				first = seq
			}
			last = seq
		}
	})
	if err != nil {
		return 0, 0, err
	}
	return first, last, nil
}

// spec resolves the stream into one read: the head is taken now. It is
// false when the stream selects nothing.
func (st Stream) spec() (readSpec, bool) {
	head, _ := st.s.Head()
	spec := readSpec{from: max(st.from, 1), to: head, decoded: st.decoded}
	if st.to != 0 && st.to < head {
		spec.to = st.to
	}
	if !st.window.IsZero() {
		spec.keep = st.window.Contains
	}
	return spec, spec.from <= spec.to
}
