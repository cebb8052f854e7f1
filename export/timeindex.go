package export

import (
	"context"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// TimeIndex is what a Source may offer so that an export of a time range
// finds its span without decoding every record (recorder.Stream does, from
// the record times its envelopes keep). Write discovers it by type
// assertion; without it, the span is found by reading the records.
type TimeIndex interface {
	// Span returns the sequence numbers of the first and last records
	// whose time is in w, among those up to through (0: all), or 0, 0
	// when there is none.
	Span(ctx context.Context, w evidence.Window, through uint64) (first, last uint64, err error)
}
