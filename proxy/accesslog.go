package proxy

import (
	"bufio"
	"io"
	"strconv"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

const (
	// accessLogQueue bounds the lines waiting for the writer; past it
	// lines are dropped and counted, never waited for.
	accessLogQueue = 4096
	accessLineSize = 256
	accessTimeFmt  = "2006-01-02T15:04:05.000Z07:00"
)

// accessLog writes one JSON line per call, off the caller's path: a call
// formats its line into a recycled buffer and hands it to the writer
// goroutine over a bounded channel, without waiting. The proxy owns the
// goroutine: close (from Shutdown) writes what is queued, flushes and
// waits for it.
//
// A line holds only bounded, non-secret facts: time, seq, method (a
// standard method or OTHER), endpoint (the template from
// Options.EndpointLabel, never the raw path), status, duration_ms,
// error_kind and mode. No URL, query, header or body ever reaches it.
type accessLog struct {
	w       io.Writer
	seq     bool // Record returns with Seq set
	lines   chan []byte
	free    chan []byte
	stop    chan struct{}
	done    chan struct{}
	closed  atomic.Bool
	dropped func()
	logs    *logLimiter
}

func newAccessLog(w io.Writer, seq bool, logs *logLimiter, dropped func()) *accessLog {
	a := &accessLog{w: w, seq: seq, lines: make(chan []byte, accessLogQueue), free: make(chan []byte, accessLogQueue),
		stop: make(chan struct{}), done: make(chan struct{}), dropped: dropped, logs: logs}
	go a.run()
	return a
}

// accessEntry is what a call's line says, taken from its record before
// the recorder owns it.
type accessEntry struct {
	time     time.Time
	method   string
	endpoint string
	status   int
	duration int64 // µs
	kind     evidence.ErrorKind
	mode     evidence.Mode
}

func entryOf(c *call) accessEntry {
	r := &c.rec
	e := accessEntry{time: r.Time, method: methodLabel(r.Request.Method), endpoint: c.endpoint,
		status: appStatus(r), duration: r.DurationUS, mode: r.Mode}
	if r.Error != nil {
		e.kind = r.Error.Kind
	}
	return e
}

// add queues the line of a finished call; seq is 0 when unknown.
func (a *accessLog) add(e accessEntry, seq uint64) {
	if a.closed.Load() {
		a.drop("the proxy is shut down")
		return
	}
	var buf []byte
	select {
	case buf = <-a.free:
	default:
		buf = make([]byte, 0, accessLineSize)
	}
	line := appendAccessLine(buf[:0], e, seq)
	select {
	case a.lines <- line:
	default:
		a.drop("the writer is behind")
	}
}

func (a *accessLog) drop(why string) {
	a.dropped()
	a.logs.add(logAccessDropped, "access log line dropped", "why", why)
}

func appendAccessLine(b []byte, e accessEntry, seq uint64) []byte {
	b = append(b, `{"time":"`...)
	b = e.time.UTC().AppendFormat(b, accessTimeFmt)
	b = append(b, '"')
	if seq > 0 {
		b = append(b, `,"seq":`...)
		b = strconv.AppendUint(b, seq, 10)
	}
	b = append(b, `,"method":`...)
	b = appendJSONString(b, e.method)
	b = append(b, `,"endpoint":`...)
	b = appendJSONString(b, e.endpoint)
	b = append(b, `,"status":`...)
	b = strconv.AppendInt(b, int64(e.status), 10)
	b = append(b, `,"duration_ms":`...)
	b = strconv.AppendFloat(b, float64(e.duration)/1000, 'f', 3, 64)
	b = append(b, `,"error_kind":`...)
	b = appendJSONString(b, string(e.kind))
	b = append(b, `,"mode":`...)
	b = appendJSONString(b, string(e.mode))
	return append(b, "}\n"...)
}

// appendJSONString appends s as a JSON string; invalid UTF-8 becomes
// U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			b = append(b, c)
			i++
			continue
		}
		if c < utf8.RuneSelf {
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		b = utf8.AppendRune(b, r) // RuneError for invalid bytes
		i += n
	}
	return append(b, '"')
}

// run writes lines as they come, flushing whenever the queue is empty.
func (a *accessLog) run() {
	defer close(a.done)
	bw := bufio.NewWriterSize(a.w, 32<<10)
	for {
		select {
		case line := <-a.lines:
			a.write(bw, line)
			if len(a.lines) == 0 {
				a.flush(bw)
			}
		case <-a.stop:
			for {
				select {
				case line := <-a.lines:
					a.write(bw, line)
				default:
					a.flush(bw)
					return
				}
			}
		}
	}
}

func (a *accessLog) write(bw *bufio.Writer, line []byte) {
	if _, err := bw.Write(line); err != nil {
		a.dropped()
		a.logs.add(logAccessDropped, "access log write failed", "err", err.Error())
	}
	select {
	case a.free <- line:
	default:
	}
}

func (a *accessLog) flush(bw *bufio.Writer) {
	if err := bw.Flush(); err != nil {
		a.logs.add(logAccessDropped, "access log write failed", "err", err.Error())
		bw.Reset(a.w) // drop what could not be written; later lines may succeed
	}
}

// close writes what is queued, flushes and waits for the writer; it is
// idempotent.
func (a *accessLog) close() {
	if a.closed.Swap(true) {
		<-a.done
		return
	}
	close(a.stop)
	<-a.done
}
