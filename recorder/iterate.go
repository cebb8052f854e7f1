package recorder

import (
	"context"
	"encoding/binary"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// Reading never holds a transaction while calling back: records are copied
// out in chunks of readChunk per short read transaction, so a slow consumer
// (an export writing a bundle) never holds up commits.

// stored is one record as copied out of a read transaction.
type stored struct {
	seq   uint64
	value []byte
}

// Iterate calls fn for every record from fromSeq (1 if 0) up to the head
// at the time of the call, in sequence order. Records are redacted,
// decompressed and share no memory with the store; fn may keep them. An
// error from fn stops the iteration and is returned as it is.
func (s *Store) Iterate(ctx context.Context, fromSeq uint64, fn func(*evidence.Record) error) error {
	last, _ := s.Head()
	return s.iterate(ctx, max(fromSeq, 1), last, nil, fn)
}

// IterateTime calls fn, in sequence order, for every record whose Time is
// in [since, until) (a zero since or until leaves that side open), among
// the records committed at the time of the call.
//
// Sequence order is commit order, which is only roughly time order: a
// long call received early commits after shorter later ones. So every
// record is considered, filtered by the time kept in its envelope before
// anything is decompressed.
func (s *Store) IterateTime(ctx context.Context, since, until time.Time, fn func(*evidence.Record) error) error {
	last, _ := s.Head()
	keep := func(t time.Time) bool {
		return !t.Before(since) && (until.IsZero() || t.Before(until))
	}
	return s.iterate(ctx, 1, last, keep, fn)
}

// iterate reads records from..to; keep, when set, filters on the envelope
// time before a record is decoded.
//
// Reading and decoding (decompression and JSON) run on a goroutine of
// their own, one chunk ahead of fn, so a slow consumer such as an export
// and the decoding use both cores. The goroutine is stopped and waited for
// before iterate returns.
func (s *Store) iterate(ctx context.Context, from, to uint64, keep func(time.Time) bool, fn func(*evidence.Record) error) error {
	chunks := make(chan decoded, 1)
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(chunks)
		s.decodeChunks(ctx, from, to, keep, chunks, stop)
	}()
	defer func() {
		close(stop)
		<-done
	}()
	for c := range chunks {
		if c.err != nil {
			return c.err
		}
		for _, rec := range c.recs {
			if err := fn(rec); err != nil {
				return err
			}
		}
	}
	return nil
}

// decoded is one chunk of decoded records, or the error that ended reading.
type decoded struct {
	recs []*evidence.Record
	err  error
}

// decodeChunks reads and decodes from..to chunk by chunk into out until
// done, an error, or stop.
func (s *Store) decodeChunks(ctx context.Context, from, to uint64, keep func(time.Time) bool, out chan<- decoded, stop <-chan struct{}) {
	send := func(d decoded) bool {
		select {
		case out <- d:
			return true
		case <-stop:
			return false
		}
	}
	for n, next := 0, from; next <= to; n++ {
		if err := ctx.Err(); err != nil {
			send(decoded{err: fmt.Errorf("iterate records: %w", err)})
			return
		}
		chunk, err := s.readChunk(next, to, n%releaseEveryChunks == releaseEveryChunks-1)
		if err != nil || len(chunk) == 0 {
			if err != nil {
				send(decoded{err: err})
			}
			return
		}
		recs := make([]*evidence.Record, 0, len(chunk))
		for _, st := range chunk {
			if keep != nil {
				if t, ok := envelopeTime(st.value); ok && !keep(t) {
					continue
				}
			}
			rec, err := decodeRecord(st.seq, st.value, s.dec)
			if err != nil {
				s.countError("read")
				send(decoded{err: fmt.Errorf("iterate records: %w", err)})
				return
			}
			recs = append(recs, rec)
		}
		if !send(decoded{recs: recs}) {
			return
		}
		next = chunk[len(chunk)-1].seq + 1
	}
}

// releaseEveryChunks is how many chunks a reader reads between two
// releases of the mapped pages.
const releaseEveryChunks = 64

// readChunk copies up to readChunk records from..to out of one read
// transaction, then releases the mapped pages if release is set.
func (s *Store) readChunk(from, to uint64, release bool) ([]stored, error) {
	var chunk []stored
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketRecords).Cursor()
		size := 0
		for k, v := c.Seek(seqKey(from)); k != nil && len(chunk) < readChunk; k, v = c.Next() {
			seq := binary.BigEndian.Uint64(k)
			if seq > to {
				break
			}
			chunk = append(chunk, stored{seq: seq, value: v})
			size += len(v)
		}
		// One arena for the chunk's values, detached from the mmap.
		arena := make([]byte, 0, size)
		for i := range chunk {
			start := len(arena)
			arena = append(arena, chunk[i].value...)
			chunk[i].value = arena[start:len(arena):len(arena)]
		}
		// Within the read transaction the map cannot move: drop the
		// pages just read from this process's resident set (see
		// releaseMapped), so reading a large store keeps memory flat.
		if release {
			s.releaseMapped(tx.Size())
		}
		return nil
	})
	if err != nil {
		s.countError("read")
		return nil, fmt.Errorf("read records: %w", err)
	}
	return chunk, nil
}

// VerifyChain walks every record and checks that the sequence has no gap,
// each record links to the one before it and hashes to its content, and
// the last one is the head. It returns the first problem found (an
// *evidence.ChainError for a broken link).
func (s *Store) VerifyChain(ctx context.Context) error {
	headSeq, headHash := s.Head()
	prevSeq, prev := uint64(0), evidence.GenesisHash
	err := s.iterate(ctx, 1, headSeq, nil, func(r *evidence.Record) error {
		if err := r.Check(prevSeq, prev); err != nil {
			return err
		}
		prevSeq, prev = r.Seq, r.Hash
		return nil
	})
	if err != nil {
		return fmt.Errorf("verify chain: %w", err)
	}
	if prevSeq != headSeq || prev != headHash {
		return fmt.Errorf("verify chain: %w: chain ends at record %d, head is record %d", ErrChainMismatch, prevSeq, headSeq)
	}
	return nil
}
