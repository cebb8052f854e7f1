package demoapp

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/evidence-proxy/evidence-proxy/internal/axysemu"
	"github.com/evidence-proxy/evidence-proxy/recorder/evidence"
	"net/http"
)

func TestScratchScales(t *testing.T) {
	scale, _ := strconv.ParseFloat(os.Getenv("SCALE"), 64)
	if scale == 0 {
		t.Skip("SCALE not set")
	}
	for seed := int64(1); seed <= 6; seed++ {
		ctx, cancel := context.WithCancel(context.Background())
		srv, err := axysemu.Start(ctx, axysemu.StartOptions{Options: axysemu.Options{Seed: seed, TimeScale: scale}})
		if err != nil {
			t.Fatal(err)
		}
		log := &callLog{}
		o := Options{BaseURL: srv.URL, APIKey: srv.APIKey, TimeScale: scale,
			HTTPClient: &http.Client{Transport: &capture{next: srv.Client().Transport, mode: evidence.ModeBaseURL, log: log}}}
		start := time.Now()
		res, err := Run(ctx, o)
		d := time.Since(start)
		rep := computeCoverage(t, log.all())
		failed := ""
		for _, s := range res.Scenarios {
			if s.Outcome != OutcomeOK {
				failed += fmt.Sprintf(" %s=%s(%s)", s.Name, s.Outcome, s.Detail)
			}
		}
		t.Logf("scale %g seed %d: %s C7=%s C12=%s L3=%s L7=%s row4=%s row5=%s err=%v%s", scale, seed, d.Round(time.Millisecond), rep["C7"].Status, rep["C12"].Status, rep["L3"].Status, rep["L7"].Status, rep["row-4"].Status, rep["row-5"].Status, err, failed)
		srv.Close()
		cancel()
	}
}
