package events

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// maxPooledBuffer is the largest body buffer kept for reuse, so an idle
// receiver does not hold the memory of its largest request.
const maxPooledBuffer = 1 << 20

// errTooLarge marks a body over MaxRequestBytes.
var errTooLarge = errors.New("request body too large")

// handle reads, decodes, records and answers an admitted request.
func (r *Receiver) handle(a answerer, req *http.Request, enc encoding) {
	buf := r.getBuffer()
	defer r.putBuffer(buf)
	if err := r.readBody(a.w, req, buf); err != nil {
		if errors.Is(err, errTooLarge) {
			a.fail(http.StatusRequestEntityTooLarge, fmt.Sprintf("request body over %d bytes (after decompression): send smaller batches", r.opts.MaxRequestBytes))
			return
		}
		a.fail(http.StatusBadRequest, err.Error())
		return
	}
	received := r.opts.Now()
	if a.endpoint == endpointOTLP {
		r.handleOTLP(a, req, buf.Bytes(), enc, received)
		return
	}
	r.handleEvents(a, req, buf.Bytes(), received)
}

func (r *Receiver) handleOTLP(a answerer, req *http.Request, body []byte, enc encoding, received time.Time) {
	lreq, err := decodeLogs(body, enc)
	if err != nil {
		a.fail(http.StatusBadRequest, err.Error())
		return
	}
	// A log record is part of the protobuf request, so none can exceed
	// the per-event limit when the whole request does not: measuring each
	// is only needed beyond it, or for JSON.
	measure := enc == encJSON || len(body) > r.opts.MaxEventBytes
	recs, rejected := r.otlpRecords(lreq, measure, received, req.RemoteAddr)
	r.countRejected(rejected)
	if failed, err := r.commit(recs); failed > 0 {
		a.retryLater(http.StatusServiceUnavailable, r.opts.RetryAfter, storeFailure(failed, len(recs), err))
		return
	}
	r.metrics.accepted.WithLabelValues(evidence.EventSourceOTLP).Add(float64(len(recs)))
	a.message(http.StatusOK, exportAnswer(rejected))
}

func (r *Receiver) handleEvents(a answerer, req *http.Request, body []byte, received time.Time) {
	raws, err := splitEntries(body)
	if err != nil {
		a.fail(http.StatusBadRequest, err.Error())
		return
	}
	source := sourceOf(req.Header.Get(SourceHeader))
	res := Result{}
	var recs []*evidence.Record
	var rejected []indexed
	for i, raw := range raws {
		d, rej := r.entryDraft(raw, source)
		if rej == nil {
			var rec *evidence.Record
			if rec, rej = r.record(d, received, req.RemoteAddr); rej == nil {
				recs = append(recs, r.counted(rec))
				continue
			}
		}
		rejected = append(rejected, indexed{where: fmt.Sprint(i), rejection: rej})
		res.Errors = append(res.Errors, EntryError{Index: i, Message: rej.msg})
	}
	r.countRejected(rejected)
	if failed, err := r.commit(recs); failed > 0 {
		a.retryLater(http.StatusServiceUnavailable, r.opts.RetryAfter, storeFailure(failed, len(recs), err))
		return
	}
	r.metrics.accepted.WithLabelValues(source).Add(float64(len(recs)))
	res.Accepted, res.Rejected = len(recs), len(rejected)
	code := http.StatusOK
	if len(recs) == 0 && len(rejected) > 0 {
		code = http.StatusBadRequest
	}
	a.json(code, res)
}

// counted counts a truncated record.
func (r *Receiver) counted(rec *evidence.Record) *evidence.Record {
	if rec.Event.Truncated {
		r.metrics.truncated.Inc()
	}
	return rec
}

func (r *Receiver) countRejected(rejected []indexed) {
	for _, x := range rejected {
		r.metrics.rejected.WithLabelValues(x.reason).Inc()
	}
}

func storeFailure(failed, total int, err error) string {
	return fmt.Sprintf("%d of %d events not recorded (%v); retry later", failed, total, err)
}

// commit hands recs to the store and returns how many it refused and the
// first error. The wait is bounded by CommitTimeout, not by the client:
// events a client sent are committed even if it hangs up. With sync
// durability the request's events are handed over together, in order, so
// they share group commits and one goroutine encodes them: a large batch
// takes at most one core from the calls.
func (r *Receiver) commit(recs []*evidence.Record) (int, error) {
	if len(recs) == 0 {
		return 0, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), r.opts.CommitTimeout)
	defer cancel()
	var failed int
	var first error
	if r.opts.Async {
		failed, first = r.commitPaced(ctx, recs)
	} else {
		failed, first = r.store.RecordAll(ctx, recs)
	}
	if failed > 0 {
		r.metrics.uncommitted.Add(float64(failed))
		r.log.warn("events not recorded", "count", failed, "err", first)
		return failed, first
	}
	return 0, nil
}

// readBody reads the request body into buf, undoing gzip, within
// MaxRequestBytes both as sent and decompressed.
func (r *Receiver) readBody(w http.ResponseWriter, req *http.Request, buf *bytes.Buffer) error {
	limit := r.opts.MaxRequestBytes
	var src io.Reader = http.MaxBytesReader(w, req.Body, limit)
	if strings.EqualFold(strings.TrimSpace(req.Header.Get("Content-Encoding")), "gzip") {
		zr, err := gzip.NewReader(src)
		if err != nil {
			return bodyError("read gzip body", err)
		}
		defer zr.Close()
		src = zr
	}
	n, err := buf.ReadFrom(io.LimitReader(src, limit+1))
	if err != nil {
		return bodyError("read body", err)
	}
	if n > limit {
		return errTooLarge
	}
	return nil
}

// bodyError maps a read error: the size limit, or a broken body.
func bodyError(op string, err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return errTooLarge
	}
	return fmt.Errorf("%s: %w", op, err)
}

func (r *Receiver) getBuffer() *bytes.Buffer {
	if b, ok := r.bufs.Get().(*bytes.Buffer); ok {
		return b
	}
	return new(bytes.Buffer)
}

func (r *Receiver) putBuffer(b *bytes.Buffer) {
	if b.Cap() > maxPooledBuffer {
		return
	}
	b.Reset()
	r.bufs.Put(b)
}
