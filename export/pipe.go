package export

import (
	"errors"
	"sync/atomic"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// recordPipe runs the derived work of a pass over records (coverage, the
// HAR, the provenance tally) on a goroutine of its own, in record order,
// while the caller reads, checks and writes the records: export and
// verify of a large store use both cores. The caller owns the pipe: it
// sends records, then always calls wait, which stops the goroutine.
// Records sent must not be modified afterwards (each is freshly decoded).
type recordPipe struct {
	in     chan *evidence.Record
	done   chan struct{}
	failed atomic.Bool
	// err is fn's first error; read it only after wait.
	err error
}

// errPipeFailed stops a caller's loop once the pipe's work has failed;
// wait returns the failure itself.
var errPipeFailed = errors.New("derived work failed")

func startPipe(fn func(*evidence.Record) error) *recordPipe {
	p := &recordPipe{in: make(chan *evidence.Record, 1024), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		for rec := range p.in {
			if p.err != nil {
				continue // drain, so the sender never blocks
			}
			if p.err = fn(rec); p.err != nil {
				p.failed.Store(true)
			}
		}
	}()
	return p
}

// send hands rec to the goroutine, or returns errPipeFailed once the work
// has failed.
func (p *recordPipe) send(rec *evidence.Record) error {
	if p.failed.Load() {
		return errPipeFailed
	}
	p.in <- rec
	return nil
}

// wait ends the input, waits for the goroutine and returns the first
// error of the work, or err (the caller's) when the work did not fail.
func (p *recordPipe) wait(err error) error {
	close(p.in)
	<-p.done
	if p.err != nil && (err == nil || errors.Is(err, errPipeFailed)) {
		return p.err
	}
	return err
}
