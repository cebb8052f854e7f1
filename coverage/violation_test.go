package coverage

import (
	"strings"
	"testing"
	"time"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// declineHandled plays row 2 done right for cardholder id: the decline
// forced, seen, and the link refreshed.
func (tr *trace) declineHandled(id int) {
	tr.validate(id, "fail")
	tr.holder(id, 2)
	tr.refresh(id, 200)
}

// cardsRetried plays a 429 on GET /cards retried after its Retry-After.
func (tr *trace) cardsRetried() {
	tr.call("GET", "/cards", 429, "", `{"status":"error"}`, withHeader("Retry-After", "2"))
	tr.wait(2 * time.Second)
	tr.call("GET", "/cards", 200, "", `{"status":"success","items":[]}`)
}

// TestViolationLife: a violated requirement says when it was last
// violated and how many times correct handling followed, for a forbid,
// a retry rule, a poll rule and a requires naming the violated one.
func TestViolationLife(t *testing.T) {
	tests := []struct {
		name, req string
		// build plays the trace and returns the time of the last violation.
		build func(tr *trace) time.Time
		since int
		text  string
	}{
		{"card issued to a declined cardholder, then declines handled", "row-2", func(tr *trace) time.Time {
			tr.declineHandled(10001)
			tr.validate(10002, "fail")
			tr.holder(10002, 2)
			s := tr.issueVirtual(10002, 8001, 409)
			for id := 10003; id < 10007; id++ {
				tr.declineHandled(id)
			}
			return tr.recs[s-1].Time
		}, 4, "handled correctly 4 times since"},
		{"forbidden twice, nothing after", "row-2", func(tr *trace) time.Time {
			tr.validate(10002, "fail")
			tr.holder(10002, 2)
			tr.issueVirtual(10002, 8001, 409)
			s := tr.issueVirtual(10002, 8001, 409)
			return tr.recs[s-1].Time
		}, 0, "not handled correctly since"},
		{"429 retried at once, then retried right", "E429", func(tr *trace) time.Time {
			tr.call("GET", "/cards", 429, "", `{"status":"error"}`, withHeader("Retry-After", "5"))
			s := tr.call("GET", "/cards", 200, "", `{"status":"success","items":[]}`)
			tr.wait(time.Minute)
			tr.cardsRetried()
			tr.wait(time.Minute)
			tr.call("GET", "/cards?limit=5", 429, "", `{"status":"error"}`, withHeader("Retry-After", "2"))
			tr.wait(2 * time.Second)
			tr.call("GET", "/cards?limit=5", 200, "", `{"status":"success","items":[]}`)
			return tr.recs[s-1].Time
		}, 2, "handled correctly 2 times since"},
		{"polled too fast, then polled right", "L3", func(tr *trace) time.Time {
			reads := tr.pollHolder(10001, 4, repeat(200*time.Millisecond, 4))
			tr.wait(time.Hour)
			tr.holder(10002, 3)
			tr.then(5 * time.Second)
			tr.holder(10002, 3)
			tr.then(10 * time.Second)
			tr.holder(10002, 1)
			return tr.recs[reads[4]-1].Time
		}, 1, "handled correctly once since"},
		{"the requirement it requires violated", "C17", func(tr *trace) time.Time {
			tr.call("GET", "/cards", 429, "", `{"status":"error"}`, withHeader("Retry-After", "5"))
			s := tr.call("GET", "/cards", 200, "", `{"status":"success","items":[]}`)
			tr.wait(time.Minute)
			tr.cardsRetried()
			return tr.recs[s-1].Time
		}, 1, "handled correctly once since"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := newTrace()
			last := tt.build(tr)
			got := result(t, tr.report(t), tt.req)
			if got.Status != StatusViolated {
				t.Fatalf("%s (%s)", got.Status, got.Explanation)
			}
			if !got.LastViolated.Equal(last) || got.HandledSince != tt.since {
				t.Errorf("last violated %s, handled %d since; want %s, %d (%s)", got.LastViolated, got.HandledSince, last, tt.since, got.Explanation)
			}
			want := "violated " + last.Format("15:04 UTC") + "; " + tt.text
			if !strings.Contains(got.Explanation, want) {
				t.Errorf("explanation %q does not say %q", got.Explanation, want)
			}
		})
	}
}

// TestViolationOnAnotherDay: a violation before the report's last day is
// dated.
func TestViolationOnAnotherDay(t *testing.T) {
	tr := newTrace()
	tr.validate(10002, "fail")
	tr.holder(10002, 2)
	tr.issueVirtual(10002, 8001, 409)
	tr.wait(48 * time.Hour)
	tr.declineHandled(10003)
	got := result(t, tr.report(t), "row-2")
	if !strings.Contains(got.Explanation, "violated 2026-03-02 09:00 UTC; handled correctly once since") {
		t.Errorf("explanation %q", got.Explanation)
	}
}

// TestWindowAfterTheFixIsClean: the records of a window starting after
// the last violation, classified alone, show the requirement met by the
// handling that followed, with no violation left.
func TestWindowAfterTheFixIsClean(t *testing.T) {
	tr := newTrace()
	tr.validate(10002, "fail")
	tr.holder(10002, 2)
	s := tr.issueVirtual(10002, 8001, 409)
	tr.wait(time.Hour)
	tr.declineHandled(10003)
	if got := result(t, tr.report(t), "row-2"); got.Status != StatusViolated || got.HandledSince != 1 {
		t.Fatalf("whole store: %s, handled %d since (%s)", got.Status, got.HandledSince, got.Explanation)
	}
	w := evidence.Window{Since: tr.recs[s-1].Time.Add(time.Second)}
	var after []*evidence.Record
	for _, r := range tr.recs {
		if w.Contains(r.Time) {
			after = append(after, r)
		}
	}
	got := result(t, classify(t, DefaultMatrix(), after), "row-2")
	if got.Status != StatusMet || !got.LastViolated.IsZero() || got.HandledSince != 0 || strings.Contains(got.Explanation, "violated") {
		t.Errorf("window after the fix: %s, last violated %s (%s)", got.Status, got.LastViolated, got.Explanation)
	}
}

// TestNoLifeWithoutViolation: requirements that are not violated carry
// no violation time.
func TestNoLifeWithoutViolation(t *testing.T) {
	tr := newTrace()
	tr.declineHandled(10001)
	tr.cardsRetried()
	for _, r := range tr.report(t).Requirements {
		if !r.LastViolated.IsZero() || r.HandledSince != 0 {
			t.Errorf("%s %s: last violated %s, handled %d", r.ID, r.Status, r.LastViolated, r.HandledSince)
		}
	}
}
