package export

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/evidence-proxy/evidence-proxy/provenance"
)

// span is the run of sequence numbers an export takes: from lo (0: the
// first record there is) to hi (0: no bound); empty when the range selects
// nothing.
type span struct {
	lo, hi uint64
	empty  bool
}

// selectSpan turns the options' time range and source head into a span.
// With a time range it finds the first and last records received within
// it (findSpan).
func selectSpan(ctx context.Context, src Source, opts *Options) (span, error) {
	var sp span
	if opts.SourceHead != nil {
		sp.hi = opts.SourceHead.Seq
		if sp.hi == 0 {
			return span{empty: true}, nil
		}
	}
	if opts.Since.IsZero() && opts.Until.IsZero() {
		return sp, nil
	}
	lo, hi, err := findSpan(ctx, src, opts, sp.hi)
	if err != nil {
		return span{}, err
	}
	if lo == 0 {
		return span{empty: true}, nil
	}
	return span{lo: lo, hi: hi}, nil
}

// findSpan returns the first and last records received in the options'
// range, up to through (0: all), through the source's TimeIndex when it
// has one, else by reading every record.
func findSpan(ctx context.Context, src Source, opts *Options, through uint64) (lo, hi uint64, err error) {
	if ix, ok := src.(TimeIndex); ok {
		lo, hi, err = ix.Span(ctx, evidence.Window{Since: opts.Since, Until: opts.Until}, through)
		if err != nil {
			return 0, 0, fmt.Errorf("read record times: %w", err)
		}
		return lo, hi, nil
	}
	err = src.Iterate(ctx, 0, func(rec *evidence.Record) error {
		if through != 0 && rec.Seq > through {
			return errStop
		}
		if inRange(rec.Time, opts.Since, opts.Until) {
			if lo == 0 {
				lo = rec.Seq
			}
			hi = rec.Seq
		}
		return nil
	})
	if err != nil && !errors.Is(err, errStop) {
		return 0, 0, fmt.Errorf("read records: %w", err)
	}
	return lo, hi, nil
}

func inRange(t, since, until time.Time) bool {
	return (since.IsZero() || !t.Before(since)) && (until.IsZero() || t.Before(until))
}

// exportRecords reads the span from src, checks its chain, writes
// records.jsonl, the HAR and the coverage, and feeds the provenance tally;
// it returns the source entry.
func exportRecords(ctx context.Context, src Source, sp span, opts *Options, recs *scratch, d *derived, tally *provenance.Tally) (SourceChain, error) {
	s := SourceChain{InstanceID: opts.InstanceID, Records: MemberRecords, StoreHead: opts.SourceHead}
	if sp.empty {
		return s, nil
	}
	enc := newRecordEncoder()
	p := startPipe(func(rec *evidence.Record) error {
		tally.Observe(rec)
		return d.add(rec, opts.InstanceID, "")
	})
	err := p.wait(src.Iterate(ctx, sp.lo, func(rec *evidence.Record) error {
		if rec.Seq < sp.lo {
			return nil
		}
		if sp.hi != 0 && rec.Seq > sp.hi {
			return errStop
		}
		if s.Count%1024 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		if err := checkSourceRecord(rec, &s, sp.lo); err != nil {
			return err
		}
		line, err := enc.line(rec)
		if err != nil {
			return err
		}
		if _, err := recs.Write(line); err != nil {
			return fmt.Errorf("write %s: %w", MemberRecords, err)
		}
		if err := p.send(rec); err != nil {
			return err
		}
		if s.Count%progressEvery == 0 {
			progress(opts.Progress, "export: %d records", s.Count)
		}
		return nil
	}))
	if err != nil && !errors.Is(err, errStop) {
		return SourceChain{}, fmt.Errorf("read records: %w", err)
	}
	if h := opts.SourceHead; h != nil && opts.Until.IsZero() && s.LastSeq != h.Seq {
		return SourceChain{}, fmt.Errorf("read records: the store's head is %d but its records end at %d", h.Seq, s.LastSeq)
	}
	return s, nil
}

// checkSourceRecord checks rec against the chain read so far (s) and adds
// it to s. The first record is only checked against its own prev_hash,
// unless the span starts at a known sequence number.
func checkSourceRecord(rec *evidence.Record, s *SourceChain, lo uint64) error {
	prevSeq, prev := s.LastSeq, s.ChainHead
	if s.Count == 0 {
		prevSeq, prev = rec.Seq-1, rec.PrevHash
		if lo != 0 {
			prevSeq = lo - 1
		}
	}
	if err := rec.Check(prevSeq, prev); err != nil {
		return fmt.Errorf("chain of the store is broken: %w", err)
	}
	if h := s.StoreHead; h != nil && rec.Seq == h.Seq && rec.Hash != h.Hash {
		return fmt.Errorf("record %d: hash differs from the given store head", rec.Seq)
	}
	if s.Count == 0 {
		s.FirstSeq, s.PrevHash, s.FirstTime = rec.Seq, rec.PrevHash, rec.Time
	}
	s.Count++
	s.LastSeq, s.ChainHead, s.LastTime = rec.Seq, rec.Hash, rec.Time
	return nil
}
