package export

import (
	"errors"
	"testing"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// TestRecordPipe checks that the pipe's work sees every record in order,
// that a failure of the work stops the sender and is what wait returns,
// and that otherwise the sender's own error comes back.
func TestRecordPipe(t *testing.T) {
	boom, mine := errors.New("har write failed"), errors.New("reader failed")
	tests := []struct {
		name    string
		failAt  uint64 // the work fails on this record; 0: never
		callErr error
		want    error
	}{
		{"every record, no error", 0, nil, nil},
		{"the caller's error", 0, mine, mine},
		{"the work's error", 40, nil, boom},
		{"the caller's own error wins", 40, mine, mine},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var seen []uint64
			p := startPipe(func(rec *evidence.Record) error {
				if rec.Seq == tt.failAt {
					return boom
				}
				seen = append(seen, rec.Seq)
				return nil
			})
			var err error
			for seq := uint64(1); seq <= 5000 && err == nil; seq++ {
				err = p.send(&evidence.Record{Seq: seq})
			}
			if tt.failAt != 0 && !errors.Is(err, errPipeFailed) {
				t.Errorf("send after the work failed = %v, want errPipeFailed", err)
			}
			if tt.callErr != nil {
				err = tt.callErr
			}
			if got := p.wait(err); !errors.Is(got, tt.want) || (tt.want == nil && got != nil) {
				t.Errorf("wait = %v, want %v", got, tt.want)
			}
			n := uint64(5000)
			if tt.failAt != 0 {
				n = tt.failAt - 1
			}
			if uint64(len(seen)) != n {
				t.Fatalf("the work saw %d records, want %d", len(seen), n)
			}
			for i, seq := range seen {
				if seq != uint64(i+1) {
					t.Fatalf("record %d seen as %d: out of order", i+1, seq)
				}
			}
		})
	}
}
