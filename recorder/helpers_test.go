package recorder

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// testKey is a fixed redaction key, so fingerprints are stable in tests.
var testKey = bytes.Repeat([]byte{0x42}, KeySize)

func newTestRedactor(t testing.TB, opts RedactOptions) *Redactor {
	t.Helper()
	r, err := NewRedactor(testKey, opts)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// openTestStore opens a store in a fresh temporary directory and closes it
// at the end of the test.
func openTestStore(t testing.TB, opts Options) *Store {
	t.Helper()
	return openTestStoreAt(t, filepath.Join(t.TempDir(), "evidence.db"), opts)
}

func openTestStoreAt(t testing.TB, path string, opts Options) *Store {
	t.Helper()
	if opts.Redactor == nil {
		opts.Redactor = newTestRedactor(t, RedactOptions{})
	}
	s, err := Open(path, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close(context.Background()) })
	return s
}

// testClock is a fake clock advancing one millisecond per reading.
type testClock struct{ t time.Time }

func (c *testClock) Now() time.Time {
	c.t = c.t.Add(time.Millisecond)
	return c.t
}

// sampleRecord builds a call record with a JSON body of about bodySize
// bytes in each direction, numbered i in its URL and body.
func sampleRecord(i int, at time.Time, bodySize int) *evidence.Record {
	body := sampleJSON(i, bodySize)
	return &evidence.Record{
		Kind:       evidence.KindCall,
		Time:       at,
		DurationUS: 1200,
		UpstreamUS: 900,
		Mode:       evidence.ModeBaseURL,
		ClientAddr: "127.0.0.1:50000",
		Request: evidence.Request{
			Method: http.MethodPost,
			URL:    fmt.Sprintf("https://staging.api.axyscards.com/v2/cards/virtual/%d", 10000+i),
			Proto:  "HTTP/1.1",
			Header: http.Header{"Content-Type": {"application/json"}, "X-Api-Key": {"sk_test_key_material"}},
			Body:   evidence.NewBody(body, int64(len(body)), false),
		},
		Response: &evidence.Response{
			Status: 200,
			Proto:  "HTTP/1.1",
			Header: http.Header{"Content-Type": {"application/json"}},
			Body:   evidence.NewBody(body, int64(len(body)), false),
		},
	}
}

// sampleJSON is an Axys-like JSON document of about size bytes.
func sampleJSON(i, size int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, `{"status":"success","cardId":%d,"type":"virtual","maskedCardNumber":"411111******1111","items":[`, 9000+i)
	for k := 0; b.Len() < size-2; k++ {
		if k > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"transId":%d,"amount":%d,"currency":"USD","createdDatetime":"2026-01-%02dT10:%02d:00Z","merchant":"shop %d"}`,
			i*100+k, (i*7919+k*104729)%100000, 1+k%28, k%60, k%97)
	}
	b.WriteString("]}")
	return b.Bytes()
}

// randomBytes returns n incompressible bytes, the same for the same seed.
func randomBytes(seed, n int) []byte {
	r := rand.New(rand.NewPCG(uint64(seed), 7))
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(r.Uint32())
	}
	return p
}
