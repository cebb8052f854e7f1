package events

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/evidence-proxy/evidence-proxy/recorder"
)

func TestParseArgs(t *testing.T) {
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	e, err := ParseArgs("deposit.ledger_updated", []string{"axys.deposit_id=31", `ref="0031"`, "ok=true", "note=credited in full", "amount=10.50", "empty=", "list=[1,2]", "eq=a=b"}, now)
	if err != nil {
		t.Fatal(err)
	}
	store := openStore(t, recorder.Sync)
	_, url := startReceiver(t, store, Options{BearerToken: "tok"})
	res, err := Send(context.Background(), ClientOptions{URL: url, BearerToken: "tok"}, e)
	if err != nil || res.Accepted != 1 {
		t.Fatalf("Send = %+v, %v", res, err)
	}
	recs := storedEvents(t, store)
	if len(recs) != 1 {
		t.Fatalf("stored %d events", len(recs))
	}
	ev := recs[0].Event
	want := `{"amount":10.50,"axys.deposit_id":31,"empty":"","eq":"a=b","list":[1,2],"note":"credited in full","ok":true,"ref":"0031"}`
	if string(ev.Attributes) != want || ev.Source != evidence.EventSourceCLI || !ev.Time.Equal(now) {
		t.Errorf("event %+v, attributes %s, want %s", ev, ev.Attributes, want)
	}
	for _, bad := range [][]string{{"novalue"}, {"=x"}} {
		if _, err := ParseArgs("n", bad, now); err == nil {
			t.Errorf("ParseArgs accepted %q", bad)
		}
	}
	if _, err := ParseArgs(" ", nil, now); err == nil {
		t.Error("ParseArgs accepted an empty name")
	}
}

// TestSendErrors checks that refusals reach the command as errors with
// the receiver's message.
func TestSendErrors(t *testing.T) {
	store := openStore(t, recorder.Sync)
	_, url := startReceiver(t, store, Options{BearerToken: "tok"})
	ctx := context.Background()
	if _, err := Send(ctx, ClientOptions{URL: url}, Entry{Name: "x"}); err == nil || !strings.Contains(err.Error(), "bearer token") {
		t.Errorf("without the token: %v", err)
	}
	if _, err := Send(ctx, ClientOptions{URL: url + "/events/", BearerToken: "tok"}, Entry{Name: "x", Time: "soon"}); err == nil || !strings.Contains(err.Error(), "not RFC 3339") {
		t.Errorf("bad time: %v", err)
	}
	if _, err := Send(ctx, ClientOptions{URL: "http://127.0.0.1:1"}, Entry{Name: "x"}); err == nil {
		t.Error("no receiver: no error")
	}
	if _, err := Send(ctx, ClientOptions{URL: url}); err == nil {
		t.Error("no entries: no error")
	}
}
