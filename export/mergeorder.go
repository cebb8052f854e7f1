package export

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// The records of a merged bundle are observed (for coverage and the HAR) in
// one deterministic order, the same when merging and when verifying: the
// sources are read side by side, each in its own sequence order, and the
// next record is always the one with the earliest time among the sources'
// next records, ties going to the source whose instance id sorts first.
// When every source's times rise with its sequence numbers this is time
// order; a late-committed slow call never reorders its own chain.

// recordCursor reads the records of one records member of a bundle file.
type recordCursor struct {
	br     *bundleReader
	lr     *lineReader
	enc    *recordEncoder
	member string
	line   int
}

func openCursor(path, member string) (*recordCursor, error) {
	br, err := openBundle(path)
	if err != nil {
		return nil, err
	}
	if _, err := br.skipTo(member); err != nil {
		br.close()
		return nil, err
	}
	return &recordCursor{br: br, lr: newLineReader(br.tr), enc: newRecordEncoder(), member: member}, nil
}

// next returns the next record, or io.EOF after the last.
func (c *recordCursor) next() (*evidence.Record, error) {
	line, err := c.lr.next()
	if errors.Is(err, io.EOF) {
		return nil, io.EOF
	}
	c.line++
	if err == nil {
		var rec *evidence.Record
		rec, err = c.enc.decodeLine(line)
		if err == nil {
			return rec, nil
		}
	}
	return nil, &RecordError{Member: c.member, Line: c.line, Reason: "read record", Err: err}
}

func (c *recordCursor) close() { c.br.close() }

// mergedStream yields the records of several cursors in merge order.
type mergedStream struct {
	cursors   []*recordCursor
	instances []string
	heads     []*evidence.Record
}

// walkMerged opens the records member members[i] of bundle paths[i] for
// every source i (instances sorted ascending) and calls fn on every record
// in merge order.
func walkMerged(ctx context.Context, paths, members, instances []string, fn func(*evidence.Record, string) error) error {
	m := &mergedStream{instances: instances, heads: make([]*evidence.Record, len(paths))}
	defer func() {
		for _, c := range m.cursors {
			c.close()
		}
	}()
	for i := range paths {
		c, err := openCursor(paths[i], members[i])
		if err != nil {
			return err
		}
		m.cursors = append(m.cursors, c)
		if m.heads[i], err = readHead(c); err != nil {
			return err
		}
	}
	for n := 0; ; n++ {
		if n%1024 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		i := m.earliest()
		if i < 0 {
			return nil
		}
		if err := fn(m.heads[i], m.instances[i]); err != nil {
			return err
		}
		var err error
		if m.heads[i], err = readHead(m.cursors[i]); err != nil {
			return err
		}
	}
}

// readHead reads the next record of c, nil at the end.
func readHead(c *recordCursor) (*evidence.Record, error) {
	rec, err := c.next()
	if errors.Is(err, io.EOF) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", c.member, err)
	}
	return rec, nil
}

// earliest returns the source whose next record comes first, or -1.
func (m *mergedStream) earliest() int {
	best := -1
	for i, h := range m.heads {
		if h != nil && (best < 0 || h.Time.Before(m.heads[best].Time)) {
			best = i
		}
	}
	return best
}
