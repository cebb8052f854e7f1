package recorder

import (
	"crypto/sha256"
	"net/http"
	"testing"
	"time"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// TestChainHashMatchesSeal holds the writer's spliced hash to the shared
// contract: evidence.Record.Seal over the real canonical form.
func TestChainHashMatchesSeal(t *testing.T) {
	prevs := []string{evidence.GenesisHash, "ab" + evidence.GenesisHash[2:]}
	recs := []*evidence.Record{
		{Request: evidence.Request{Method: "GET", URL: "/v2/cards"}},
		sampleRecord(7, time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC), 400),
		{Kind: evidence.KindGap, Gap: &evidence.Gap{Lost: 3, Reason: "queue full"}, Redactions: 2},
		{V: 12, Request: evidence.Request{Method: "POST", Header: http.Header{"A": {`"prev_hash":""`}},
			Body: evidence.NewBody([]byte(`{"seq":0,"prev_hash":""}`), 10, false)}},
	}
	h := sha256.New()
	for i, rec := range recs {
		if err := normalize(rec, time.Now); err != nil {
			t.Fatal(err)
		}
		j := &job{rec: rec}
		if err := encodeTemplate(j, nil); err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		for _, seq := range []uint64{1, 9, 10, 123456789012} {
			for _, prev := range prevs {
				got := chainHash(h, j, seq, prev)
				c := *rec
				c.Seq = seq
				if err := c.Seal(prev); err != nil {
					t.Fatal(err)
				}
				if got != c.Hash {
					t.Errorf("record %d seq %d: chainHash %s, Seal %s", i, seq, got, c.Hash)
				}
			}
		}
	}
}
