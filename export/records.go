package export

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// maxRecordLine bounds one line of a records member, so a corrupt or
// hostile bundle cannot make verify buffer without limit. The proxy caps
// captured bodies far below it.
const maxRecordLine = 64 << 20

// recordEncoder renders records.jsonl lines: a record's encoding/json form
// with its hash, HTML escaping off (evidence.Record.AppendJSON: the
// canonical form plus the hash member, without reflection), and a newline.
type recordEncoder struct {
	buf []byte
}

func newRecordEncoder() *recordEncoder { return &recordEncoder{} }

// line returns the line of rec, newline included. It is valid until the
// next call.
func (e *recordEncoder) line(rec *evidence.Record) ([]byte, error) {
	b, err := rec.AppendJSON(e.buf[:0])
	if err != nil {
		return nil, err
	}
	e.buf = append(b, '\n')
	return e.buf, nil
}

// decodeLine parses one records.jsonl line (newline included) strictly:
// unknown fields are rejected and the line must be exactly the encoding of
// the record it holds, so no byte of it can change without changing the
// record.
func (e *recordEncoder) decodeLine(line []byte) (*evidence.Record, error) {
	rec := new(evidence.Record)
	if err := decodeStrict(line, rec); err != nil {
		return nil, err
	}
	again, err := e.line(rec)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(again, line) {
		return rec, errNotCanonical
	}
	return rec, nil
}

// lineReader reads newline-terminated lines of bounded length.
type lineReader struct {
	r   *bufio.Reader
	buf []byte
}

func newLineReader(r io.Reader) *lineReader {
	return &lineReader{r: bufio.NewReaderSize(r, 256<<10)}
}

// next returns the next line with its newline, valid until the next call,
// or io.EOF after the last. A last line without a newline is an error.
func (l *lineReader) next() ([]byte, error) {
	l.buf = l.buf[:0]
	for {
		chunk, err := l.r.ReadSlice('\n')
		if len(l.buf)+len(chunk) > maxRecordLine {
			return nil, fmt.Errorf("line longer than %d bytes", maxRecordLine)
		}
		switch {
		case err == nil && len(l.buf) == 0:
			return chunk, nil
		case err == nil:
			return append(l.buf, chunk...), nil
		case errors.Is(err, bufio.ErrBufferFull):
			l.buf = append(l.buf, chunk...)
		case errors.Is(err, io.EOF) && len(l.buf)+len(chunk) == 0:
			return nil, io.EOF
		case errors.Is(err, io.EOF):
			return nil, fmt.Errorf("last line has no newline")
		default:
			return nil, err
		}
	}
}

// chainChecker checks a records member line by line against its source
// entry in the manifest: canonical lines, gap-free sequence numbers starting
// at FirstSeq, every chain hash recomputed (evidence.Record.Check) from
// PrevHash, and at the end the count, last sequence, chain head and times.
type chainChecker struct {
	src     *SourceChain
	enc     *recordEncoder
	line    int
	count   int64
	prevSeq uint64
	prev    string
	first   time.Time
	last    time.Time
}

func newChainChecker(src *SourceChain) *chainChecker {
	c := &chainChecker{src: src, enc: newRecordEncoder(), prev: src.PrevHash}
	if src.FirstSeq > 0 {
		c.prevSeq = src.FirstSeq - 1
	}
	return c
}

// next checks one line and returns its record.
func (c *chainChecker) next(line []byte) (*evidence.Record, error) {
	c.line++
	rec, err := c.enc.decodeLine(line)
	if err != nil {
		return nil, c.fail(rec, "malformed record", err)
	}
	if rec.V != evidence.Version {
		return nil, c.fail(rec, fmt.Sprintf("record version %d is not %d", rec.V, evidence.Version), nil)
	}
	if c.count >= c.src.Count {
		return nil, c.fail(rec, fmt.Sprintf("more records than the %d the manifest lists", c.src.Count), nil)
	}
	if err := rec.Check(c.prevSeq, c.prev); err != nil {
		var ce *evidence.ChainError
		if errors.As(err, &ce) {
			return nil, c.fail(rec, ce.Reason, nil)
		}
		return nil, c.fail(rec, "check chain", err)
	}
	if h := c.src.StoreHead; h != nil && h.Seq == rec.Seq && h.Hash != rec.Hash {
		return nil, c.fail(rec, "hash differs from the manifest's store_head", nil)
	}
	if c.count == 0 {
		c.first = rec.Time
	}
	c.count++
	c.prevSeq, c.prev, c.last = rec.Seq, rec.Hash, rec.Time
	return rec, nil
}

func (c *chainChecker) fail(rec *evidence.Record, reason string, err error) error {
	e := &RecordError{Member: c.src.Records, Line: c.line, Reason: reason, Err: err}
	if rec != nil {
		e.Seq = rec.Seq
	}
	return e
}

// finish checks the chain against the manifest's totals once every line
// has been read.
func (c *chainChecker) finish() error {
	s := c.src
	fail := func(what string) error {
		return &RecordError{Member: s.Records, Line: c.line, Reason: what + " does not match the manifest"}
	}
	switch {
	case c.count != s.Count:
		return &RecordError{Member: s.Records, Line: c.line,
			Reason: fmt.Sprintf("%d records, the manifest lists %d", c.count, s.Count)}
	case s.Count > 0 && c.prevSeq != s.LastSeq:
		return fail("last sequence number")
	case s.Count > 0 && c.prev != s.ChainHead:
		return fail("chain head")
	case !c.first.Equal(s.FirstTime) || !c.last.Equal(s.LastTime):
		return fail("first or last record time")
	case s.StoreHead != nil && s.Count > 0 && s.StoreHead.Seq < s.LastSeq:
		return fail("store_head (before the last record)")
	}
	return nil
}

// readChain checks a whole records member, calling fn for each record.
func (c *chainChecker) readChain(r io.Reader, fn func(*evidence.Record) error) error {
	lr := newLineReader(r)
	for {
		line, err := lr.next()
		if errors.Is(err, io.EOF) {
			return c.finish()
		}
		if err != nil {
			return &RecordError{Member: c.src.Records, Line: c.line + 1, Reason: "read line", Err: err}
		}
		rec, err := c.next(line)
		if err != nil {
			return err
		}
		if err := fn(rec); err != nil {
			return err
		}
	}
}
