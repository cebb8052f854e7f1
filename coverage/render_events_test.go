package coverage

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// TestReportsShowAppEvents: every format counts the app's events by name
// and names those no requirement waits for; a report without events
// shows no such part.
func TestReportsShowAppEvents(t *testing.T) {
	e := NewEngine(DefaultMatrix())
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	for i, name := range []string{"card.shown", "card.shown", "card.shwon"} {
		e.Observe(&evidence.Record{V: evidence.Version, Seq: uint64(i + 1), Kind: evidence.KindEvent, Time: now,
			Event: &evidence.Event{Name: name, Source: "otlp"}})
	}
	rep := e.Report()
	tests := []struct {
		format string
		want   []string
	}{
		{"md", []string{"## App events", "3 events recorded.", "| `card.shown` | 2 | a requirement waits for it |",
			"| `card.shwon` | 1 | no requirement waits for it |", "1 name no requirement waits for (misspelt, or evidence the matrix does not judge): card.shwon."}},
		{"table", []string{"APP EVENTS", "3 recorded: card.shown 2, card.shwon 1", "1 name no requirement waits for"}},
		{"html", []string{`<h2 id="h-events">App events <span class="area-line">3 recorded</span>`, "<code>card.shwon</code>",
			"no requirement waits for it", "1 name no requirement waits for"}},
	}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			var with, without bytes.Buffer
			if err := (&Document{Report: rep}).Write(&with, tt.format); err != nil {
				t.Fatal(err)
			}
			for _, want := range tt.want {
				if !strings.Contains(with.String(), want) {
					t.Errorf("lacks %q:\n%s", want, with.String())
				}
			}
			if err := (&Document{Report: NewEngine(DefaultMatrix()).Report()}).Write(&without, tt.format); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(without.String(), tt.want[0]) {
				t.Errorf("a report without events shows %q", tt.want[0])
			}
		})
	}
}
