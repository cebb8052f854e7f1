package recorder

import (
	"bytes"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"time"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// Sealing is split in two so that the writer goroutine, which every
// record passes through one at a time, does as little as possible:
//
//   - the producer (the caller of Record) redacts the record, encodes its
//     canonical form with Seq 0 and PrevHash "" (the template) and
//     compresses the template for storage;
//   - the writer assigns the sequence number and computes the chain hash
//     over the template with the real Seq and PrevHash spliced in, which
//     gives exactly the bytes evidence.Record.Canonical would produce
//     (tests hold the two to equality).
//
// What is stored is the compressed template; reading puts Seq (the key),
// PrevHash and Hash (kept beside it) back.

// hashDomain must equal the domain separator of evidence.Record.ComputeHash.
const hashDomain = "evidence-proxy/record/v1\n"

var (
	seqTemplate  = []byte(`,"seq":0,`)
	prevTemplate = []byte(`"prev_hash":""`)
)

// job is one record on its way to the writer.
type job struct {
	rec *evidence.Record
	// canon is the template; seqAt indexes its "0" of "seq":0 and prevAt
	// the closing quote of "prev_hash":"".
	canon         []byte
	seqAt, prevAt int
	// value is the stored envelope: header (filled by the writer) and the
	// compressed template.
	value []byte
	// done receives the outcome of a synchronous Record; nil for async
	// records and once the caller has been answered.
	done chan error
	// size is counted against Options.QueueBytes while queued (async).
	size int64

	// Set by the writer for each commit attempt.
	seq  uint64
	prev string
	hash string
	key  [8]byte
}

// encodeTemplate sets j.canon (written to dst's memory), j.seqAt and
// j.prevAt from j.rec.
func encodeTemplate(j *job, dst []byte) error {
	c := *j.rec
	c.Seq, c.PrevHash, c.Hash = 0, "", ""
	canon, err := c.AppendCanonical(dst)
	if err != nil {
		return err
	}
	seqAt := bytes.Index(canon, seqTemplate)
	prevAt := bytes.LastIndex(canon, prevTemplate)
	if seqAt < 0 || prevAt < 0 || seqAt > 16 {
		return errors.New("encode record: unexpected canonical layout")
	}
	j.canon = canon
	j.seqAt = seqAt + len(seqTemplate) - 2
	j.prevAt = prevAt + len(prevTemplate) - 1
	return nil
}

func templateSizeHint(r *evidence.Record) int {
	n := 512 + len(r.Request.URL) + len(r.Request.Body.Text) + len(r.Request.Body.Base64)
	if r.Response != nil {
		n += len(r.Response.Body.Text) + len(r.Response.Body.Base64)
	}
	return n + n/8
}

// chainHash returns the hex chain hash of j's record sealed with seq and
// prev, reusing h.
func chainHash(h hash.Hash, j *job, seq uint64, prev string) string {
	var num [20]byte
	var sum [32]byte
	h.Reset()
	h.Write([]byte(hashDomain))
	h.Write([]byte(prev))
	h.Write([]byte("\n"))
	h.Write(j.canon[:j.seqAt])
	h.Write(strconv.AppendUint(num[:0], seq, 10))
	h.Write(j.canon[j.seqAt+1 : j.prevAt])
	h.Write([]byte(prev))
	h.Write(j.canon[j.prevAt:])
	return hexString(h.Sum(sum[:0]))
}

// normalize fills the fields the store owns and makes the record's
// canonical form survive a JSON round trip, so that a record read back
// hashes to what was sealed: the time is UTC without a monotonic reading,
// and every string is valid UTF-8 (a body that is not moves to Base64).
func normalize(r *evidence.Record, now func() time.Time) error {
	if r.V == 0 {
		r.V = evidence.Version
	}
	if r.Kind == "" {
		r.Kind = evidence.KindCall
	}
	if r.Time.IsZero() {
		r.Time = now()
	}
	r.Time = r.Time.UTC().Round(0)
	if y := r.Time.Year(); y < 1 || y > 9999 {
		return fmt.Errorf("normalize record: time %v out of range", r.Time)
	}
	r.Mode = evidence.Mode(validString(string(r.Mode)))
	r.ClientAddr = validString(r.ClientAddr)
	if r.TLS != nil {
		t := *r.TLS
		t.Version, t.ServerCertSHA256 = validString(t.Version), validString(t.ServerCertSHA256)
		t.ClientCertSHA256, t.AppClientCertSHA256 = validString(t.ClientCertSHA256), validString(t.AppClientCertSHA256)
		r.TLS = &t
	}
	r.Request.Method, r.Request.URL, r.Request.Proto = validString(r.Request.Method), validString(r.Request.URL), validString(r.Request.Proto)
	r.Request.Header = validHeader(r.Request.Header)
	validBody(&r.Request.Body)
	if r.Response != nil {
		resp := *r.Response
		resp.Proto = validString(resp.Proto)
		resp.Header = validHeader(resp.Header)
		validBody(&resp.Body)
		r.Response = &resp
	}
	if r.Error != nil {
		e := *r.Error
		e.Kind, e.Message = evidence.ErrorKind(validString(string(e.Kind))), validString(e.Message)
		r.Error = &e
	}
	if r.Gap != nil {
		g := *r.Gap
		g.Reason = validString(g.Reason)
		r.Gap = &g
	}
	return nil
}
