package demoapp

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"
)

func TestRunAgainstEmulator(t *testing.T) {
	w := startWorld(t, 7)
	var progress strings.Builder
	o := w.opts
	o.Progress = &progress
	if testing.Verbose() {
		o.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res, err := Run(ctx, o)
	t.Logf("progress:\n%s", progress.String())
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	for _, sc := range res.Scenarios {
		if sc.Outcome != OutcomeOK {
			t.Errorf("scenario %s: %s: %s", sc.Name, sc.Outcome, sc.Detail)
		}
	}
	t.Logf("calls %d retries %d throttled %d faults %d notes %q records %d", res.Calls, res.Retries, res.Throttled, res.ServerFaults, res.Notes, len(w.log.all()))
	_ = errors.Is
}

func TestRunMishandleScratch(t *testing.T) {
	w := startWorld(t, 7)
	var progress strings.Builder
	o := w.opts
	o.Progress = &progress
	o.Mishandle = true
	res, err := Run(context.Background(), o)
	t.Logf("progress:\n%s", progress.String())
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	_ = res
}
