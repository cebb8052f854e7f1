// Package admin serves the sidecar's admin listener: /metrics, /healthz,
// /readyz, /coverage and /snapshot. It is kept apart from the proxy listener
// because in base-URL mode every path there belongs to the upstream.
//
// The admin listener is loopback-only by default: /snapshot hands out the
// whole (redacted) evidence store, so exposing it beyond the pod or host is
// the operator's explicit choice.
package admin

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Options say where each endpoint gets its answer. Nil fields disable their
// endpoint (404), except Ready, whose nil means always ready.
type Options struct {
	// Gatherer backs /metrics.
	Gatherer prometheus.Gatherer
	// Ready returns nil when the sidecar can record new calls; /readyz
	// answers 503 with the error's text otherwise.
	Ready func() error
	// Coverage writes the live coverage report in one of the formats
	// "html", "json" or "md".
	Coverage func(w io.Writer, format string) error
	// CoverageCSP is the Content-Security-Policy sent with the HTML report;
	// the report is self-contained, so the policy can forbid every load.
	CoverageCSP string
	// Snapshot writes a consistent copy of the store.
	Snapshot func(w io.Writer) (int64, error)
	// Logger receives errors that can no longer be sent to the client; nil
	// discards them.
	Logger *slog.Logger
	// Now is the clock for the snapshot's file name; nil means time.Now.
	Now func() time.Time
}

// Handler returns the admin mux.
func Handler(o Options) http.Handler {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	mux := http.NewServeMux()
	if o.Gatherer != nil {
		mux.Handle("GET /metrics", promhttp.HandlerFor(o.Gatherer, promhttp.HandlerOpts{
			ErrorLog:            slog.NewLogLogger(o.Logger.Handler(), slog.LevelError),
			EnableOpenMetrics:   true,
			MaxRequestsInFlight: 4,
			Timeout:             10 * time.Second,
		}))
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeText(w, http.StatusOK, "ok\n")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		if o.Ready != nil {
			if err := o.Ready(); err != nil {
				writeText(w, http.StatusServiceUnavailable, "not ready: "+err.Error()+"\n")
				return
			}
		}
		writeText(w, http.StatusOK, "ready\n")
	})
	if o.Coverage != nil {
		mux.HandleFunc("GET /coverage", o.coverage)
	}
	if o.Snapshot != nil {
		mux.HandleFunc("GET /snapshot", o.snapshot)
	}
	return mux
}

var contentTypes = map[string]string{
	"html":  "text/html; charset=utf-8",
	"json":  "application/json",
	"md":    "text/markdown; charset=utf-8",
	"table": "text/plain; charset=utf-8",
}

func (o Options) coverage(w http.ResponseWriter, r *http.Request) {
	format := r.URL.Query().Get("format")
	if format == "" {
		format = "html"
	}
	ct, ok := contentTypes[format]
	if !ok {
		writeText(w, http.StatusBadRequest, fmt.Sprintf("unknown format %q: html, json, md or table\n", format))
		return
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if format == "html" && o.CoverageCSP != "" {
		w.Header().Set("Content-Security-Policy", o.CoverageCSP)
	}
	if err := o.Coverage(w, format); err != nil {
		o.Logger.Error("render coverage", "format", format, "err", err)
	}
}

func (o Options) snapshot(w http.ResponseWriter, _ *http.Request) {
	name := "evidence-snapshot-" + strconv.FormatInt(o.Now().Unix(), 10) + ".db"
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	if _, err := o.Snapshot(w); err != nil {
		// Headers are gone; abort so the client sees a broken transfer,
		// never a short file that looks complete.
		o.Logger.Error("write snapshot", "err", err)
		panic(http.ErrAbortHandler)
	}
}

func writeText(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	io.WriteString(w, body)
}
