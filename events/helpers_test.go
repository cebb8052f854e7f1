package events

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/evidence-proxy/evidence-proxy/recorder"
)

// openStore opens a real store in a temporary directory, closed at the
// end of the test.
func openStore(t testing.TB, d recorder.Durability) *recorder.Store {
	t.Helper()
	return openStoreOpts(t, recorder.Options{Durability: d})
}

func openStoreOpts(t testing.TB, o recorder.Options) *recorder.Store {
	t.Helper()
	if o.Redactor == nil {
		red, err := recorder.NewRedactor(bytes.Repeat([]byte{0x42}, recorder.KeySize), recorder.RedactOptions{})
		if err != nil {
			t.Fatal(err)
		}
		o.Redactor = red
	}
	s, err := recorder.Open(filepath.Join(t.TempDir(), "evidence.db"), o)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = s.Close(context.Background()) })
	return s
}

// startReceiver serves a receiver for store on a loopback port and
// returns its base URL; it is shut down at the end of the test.
func startReceiver(t testing.TB, store Store, o Options) (*Receiver, string) {
	t.Helper()
	r, err := New(store, o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- r.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := r.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return r, "http://" + ln.Addr().String()
}

// storedEvents returns the event records of the store, in sequence order.
func storedEvents(t testing.TB, s *recorder.Store) []*evidence.Record {
	t.Helper()
	var out []*evidence.Record
	err := s.Iterate(context.Background(), 1, func(r *evidence.Record) error {
		if r.Kind == evidence.KindEvent {
			out = append(out, r)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("iterate: %v", err)
	}
	return out
}

// post sends body to url with the given headers and returns the status
// and the answer's body.
func post(t testing.TB, url string, body []byte, header map[string]string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, raw
}

// attrs decodes an event's attributes.
func attrs(t testing.TB, raw json.RawMessage) map[string]any {
	t.Helper()
	if len(raw) == 0 {
		return nil
	}
	m := map[string]any{}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("attributes %s: %v", raw, err)
	}
	return m
}

// byName indexes events by name (the last of each name).
func byName(recs []*evidence.Record) map[string]*evidence.Record {
	m := map[string]*evidence.Record{}
	for _, r := range recs {
		m[r.Event.Name] = r
	}
	return m
}

// fakeStore is a Store whose per-record Record and Healthy are functions.
type fakeStore struct {
	record  func(context.Context, *evidence.Record) error
	healthy func() error
}

func (f *fakeStore) RecordAll(ctx context.Context, recs []*evidence.Record) (failed int, first error) {
	if f.record == nil {
		return 0, nil
	}
	for _, r := range recs {
		if err := f.record(ctx, r); err != nil {
			failed++
			first = cmp.Or(first, err)
		}
	}
	return failed, first
}

func (f *fakeStore) Healthy() error {
	if f.healthy == nil {
		return nil
	}
	return f.healthy()
}

func mustRequest(t testing.TB, method, url string, body []byte, header map[string]string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	return req
}

func do(t testing.TB, req *http.Request) (int, []byte) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, raw
}

func protoMarshal(m proto.Message) ([]byte, error) { return proto.Marshal(m) }
