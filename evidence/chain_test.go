package evidence

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

func sealedChain(t *testing.T, n int) []*Record {
	t.Helper()
	prev := GenesisHash
	var recs []*Record
	for i := 1; i <= n; i++ {
		r := &Record{
			V: Version, Seq: uint64(i), Kind: KindCall,
			Time:     time.Date(2026, 11, 25, 9, 0, i, 0, time.UTC),
			Request:  Request{Method: "GET", URL: "https://staging.api.axyscards.com/v2/cards/1", Header: http.Header{"Accept": {"application/json"}}},
			Response: &Response{Status: 200, Body: NewBody([]byte(`{"status":"success"}`), 20, false)},
		}
		if err := r.Seal(prev); err != nil {
			t.Fatal(err)
		}
		prev = r.Hash
		recs = append(recs, r)
	}
	return recs
}

func TestChainCheck(t *testing.T) {
	tests := []struct {
		name       string
		tamper     func(recs []*Record) []*Record
		wantSeq    uint64
		wantReason string
	}{
		{name: "intact", tamper: func(r []*Record) []*Record { return r }},
		{name: "changed status", tamper: func(r []*Record) []*Record { r[1].Response.Status = 500; return r }, wantSeq: 2, wantReason: "hash does not match"},
		{name: "changed header", tamper: func(r []*Record) []*Record { r[2].Request.Header.Set("Accept", "*/*"); return r }, wantSeq: 3, wantReason: "hash does not match"},
		{name: "deleted record", tamper: func(r []*Record) []*Record { return append(r[:1], r[2:]...) }, wantSeq: 3, wantReason: "sequence gap"},
		{name: "swapped records", tamper: func(r []*Record) []*Record { r[1], r[2] = r[2], r[1]; return r }, wantSeq: 3, wantReason: "sequence gap"},
		{
			name: "re-sealed record with the old successor",
			tamper: func(r []*Record) []*Record {
				r[1].Response.Status = 404
				if err := r[1].Seal(r[1].PrevHash); err != nil {
					t.Fatal(err)
				}
				return r
			},
			wantSeq: 3, wantReason: "prev_hash does not match",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs := tt.tamper(sealedChain(t, 4))
			var prevSeq uint64
			prev := GenesisHash
			var err error
			for _, r := range recs {
				if err = r.Check(prevSeq, prev); err != nil {
					break
				}
				prevSeq, prev = r.Seq, r.Hash
			}
			if tt.wantReason == "" {
				if err != nil {
					t.Fatalf("intact chain: %v", err)
				}
				return
			}
			var ce *ChainError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want a *ChainError", err)
			}
			if ce.Seq != tt.wantSeq || !strings.Contains(ce.Reason, tt.wantReason) {
				t.Errorf("error at %d %q, want at %d containing %q", ce.Seq, ce.Reason, tt.wantSeq, tt.wantReason)
			}
		})
	}
}

func TestCanonicalExcludesHashOnly(t *testing.T) {
	r := sealedChain(t, 1)[0]
	a, err := r.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	r.Hash = "something else"
	b, _ := r.Canonical()
	if string(a) != string(b) {
		t.Error("the canonical form depends on Hash")
	}
	r.PrevHash = "1" + GenesisHash[1:]
	c, _ := r.Canonical()
	if string(a) == string(c) {
		t.Error("the canonical form ignores PrevHash")
	}
}

func TestBody(t *testing.T) {
	tests := []struct {
		name       string
		in         []byte
		wantText   bool
		wantBase64 bool
	}{
		{name: "empty", in: nil},
		{name: "json", in: []byte(`{"a":"é"}`), wantText: true},
		{name: "binary", in: []byte{0xff, 0xfe, 0x00, 0x01}, wantBase64: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := NewBody(tt.in, int64(len(tt.in)), false)
			if (b.Text != "") != tt.wantText || (b.Base64 != "") != tt.wantBase64 {
				t.Errorf("text %q base64 %q", b.Text, b.Base64)
			}
			if string(b.Bytes()) != string(tt.in) {
				t.Errorf("Bytes() = %q, want %q", b.Bytes(), tt.in)
			}
		})
	}
}

func TestStatusClass(t *testing.T) {
	for status, want := range map[int]string{0: "none", 99: "none", 100: "1xx", 204: "2xx", 404: "4xx", 599: "5xx", 600: "none"} {
		if got := StatusClass(status); got != want {
			t.Errorf("StatusClass(%d) = %q, want %q", status, got, want)
		}
	}
	if got := (&Record{}).StatusClass(); got != "none" {
		t.Errorf("a record without a response has class %q", got)
	}
}
