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
// (an export writing a bundle) never holds up commits. Every read goes
// through one loop (iterate), whatever asks: a Stream, Iterate,
// IterateTime or VerifyChain.

// stored is one record as copied out of a read transaction.
type stored struct {
	seq   uint64
	value []byte
}

// readSpec is what one read takes: the records from..to whose envelope
// time keep accepts (nil: all of them).
type readSpec struct {
	from, to uint64
	keep     func(time.Time) bool
	// decoded, when set, is told of each record decoded: a test seam,
	// so that tests can prove a windowed read decompresses only the
	// records it returns. Nil in production.
	decoded func(seq uint64)
}

// scanChunk is the most envelopes one read transaction looks at while
// skipping records outside a window: skipping copies nothing, so a
// transaction can cover many more of them than readChunk.
const scanChunk = 16 * readChunk

// Iterate calls fn for every record from fromSeq (1 if 0) up to the head
// at the time of the call, in sequence order. Records are redacted,
// decompressed and share no memory with the store; fn may keep them. An
// error from fn stops the iteration and is returned as it is. It is
// Stream().From(fromSeq).Each.
func (s *Store) Iterate(ctx context.Context, fromSeq uint64, fn func(*evidence.Record) error) error {
	return s.Stream().From(fromSeq).Each(ctx, fn)
}

// IterateTime calls fn, in sequence order, for every record whose Time is
// in [since, until) (a zero since or until leaves that side open), among
// the records committed at the time of the call. It is
// Stream().Window(evidence.Window{Since: since, Until: until}).Each; see
// Stream for why every envelope is looked at, and none outside the window
// is decompressed.
func (s *Store) IterateTime(ctx context.Context, since, until time.Time, fn func(*evidence.Record) error) error {
	return s.Stream().Window(evidence.Window{Since: since, Until: until}).Each(ctx, fn)
}

// iterate reads the records of spec and hands them to fn chunk by chunk,
// in sequence order; fn may keep the slice and its records.
//
// Reading and decoding (decompression and JSON) run on a goroutine of
// their own, one chunk ahead of fn, so a slow consumer such as an export
// and the decoding use both cores. The goroutine is stopped and waited for
// before iterate returns.
func (s *Store) iterate(ctx context.Context, spec readSpec, fn func([]*evidence.Record) error) error {
	chunks := make(chan decoded, 1)
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(chunks)
		s.decodeChunks(ctx, spec, chunks, stop)
	}()
	defer func() {
		close(stop)
		<-done
	}()
	for c := range chunks {
		if c.err != nil {
			return c.err
		}
		if len(c.recs) == 0 {
			continue
		}
		if err := fn(c.recs); err != nil {
			return err
		}
	}
	return nil
}

// decoded is one chunk of decoded records, or the error that ended reading.
type decoded struct {
	recs []*evidence.Record
	err  error
}

// decodeChunks reads and decodes spec chunk by chunk into out until done,
// an error, or stop.
func (s *Store) decodeChunks(ctx context.Context, spec readSpec, out chan<- decoded, stop <-chan struct{}) {
	send := func(d decoded) bool {
		select {
		case out <- d:
			return true
		case <-stop:
			return false
		}
	}
	for n, next := 0, spec.from; next <= spec.to; n++ {
		if err := ctx.Err(); err != nil {
			send(decoded{err: fmt.Errorf("iterate records: %w", err)})
			return
		}
		chunk, last, err := s.readChunk(spec, next, n%releaseEveryChunks == releaseEveryChunks-1)
		if err != nil {
			send(decoded{err: err})
			return
		}
		if last == 0 {
			return
		}
		recs, err := s.decodeChunk(spec, chunk)
		if err != nil {
			send(decoded{err: err})
			return
		}
		if !send(decoded{recs: recs}) {
			return
		}
		next = last + 1
	}
}

// decodeChunk decompresses and decodes the records of one chunk.
func (s *Store) decodeChunk(spec readSpec, chunk []stored) ([]*evidence.Record, error) {
	recs := make([]*evidence.Record, 0, len(chunk))
	for _, st := range chunk {
		if spec.decoded != nil {
			spec.decoded(st.seq)
		}
		rec, err := decodeRecord(st.seq, st.value, s.dec)
		if err != nil {
			s.countError("read")
			return nil, fmt.Errorf("iterate records: %w", err)
		}
		recs = append(recs, rec)
	}
	return recs, nil
}

// releaseEveryChunks is how many chunks a reader reads between two
// releases of the mapped pages.
const releaseEveryChunks = 64

// readChunk copies out of one read transaction, from seq from on, up to
// readChunk records of spec (looking at up to scanChunk envelopes), then
// releases the mapped pages if release is set. Only the records spec.keep
// accepts are copied: the others cost a look at their envelope's time.
// last is the last sequence number looked at, 0 when there was none left.
func (s *Store) readChunk(spec readSpec, from uint64, release bool) (chunk []stored, last uint64, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketRecords).Cursor()
		size, scanned := 0, 0
		for k, v := c.Seek(seqKey(from)); k != nil && len(chunk) < readChunk && scanned < scanChunk; k, v = c.Next() {
			seq := binary.BigEndian.Uint64(k)
			if seq > spec.to {
				break
			}
			last, scanned = seq, scanned+1
			if spec.keep != nil {
				if t, ok := envelopeTime(v); ok && !spec.keep(t) {
					continue
				}
			}
			chunk = append(chunk, stored{seq: seq, value: v})
			size += len(v)
		}
		detach(chunk, size)
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
		return nil, 0, fmt.Errorf("read records: %w", err)
	}
	return chunk, last, nil
}

// detach copies the chunk's values, still pointing into the mmap, into
// one arena of size bytes.
func detach(chunk []stored, size int) {
	arena := make([]byte, 0, size)
	for i := range chunk {
		start := len(arena)
		arena = append(arena, chunk[i].value...)
		chunk[i].value = arena[start:len(arena):len(arena)]
	}
}

// scanTimes calls fn with the sequence number and envelope time of every
// record from..to, in order, reading nothing but envelope headers, in
// transactions of scanChunk records. A record whose envelope is bad is
// reported with ok false.
func (s *Store) scanTimes(ctx context.Context, from, to uint64, fn func(seq uint64, t time.Time, ok bool)) error {
	for next := from; next <= to; {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("scan record times: %w", err)
		}
		var last uint64
		err := s.db.View(func(tx *bolt.Tx) error {
			c := tx.Bucket(bucketRecords).Cursor()
			n := 0
			for k, v := c.Seek(seqKey(next)); k != nil && n < scanChunk; k, v = c.Next() {
				seq := binary.BigEndian.Uint64(k)
				if seq > to {
					break
				}
				t, ok := envelopeTime(v)
				fn(seq, t, ok)
				last, n = seq, n+1
			}
			return nil
		})
		if err != nil {
			s.countError("read")
			return fmt.Errorf("scan record times: %w", err)
		}
		if last == 0 {
			return nil
		}
		next = last + 1
	}
	return nil
}

// VerifyChain walks every record and checks that the sequence has no gap,
// each record links to the one before it and hashes to its content, and
// the last one is the head. It returns the first problem found (an
// *evidence.ChainError for a broken link).
func (s *Store) VerifyChain(ctx context.Context) error {
	headSeq, headHash := s.Head()
	prevSeq, prev := uint64(0), evidence.GenesisHash
	err := s.Stream().To(headSeq).Each(ctx, func(r *evidence.Record) error {
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
