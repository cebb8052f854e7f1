package admin

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/evidence-proxy/evidence-proxy/contract"
	"github.com/evidence-proxy/evidence-proxy/coverage"
	"github.com/evidence-proxy/evidence-proxy/evidence"
)

type Options struct {
	// Gatherer backs /metrics.
	Gatherer prometheus.Gatherer
	// Ready returns nil when the sidecar can record new calls; /readyz
	// answers 503 with the error's text otherwise.
	Ready func() error
	// Coverage writes the live coverage report in one of the formats
	// "html", "json" or "md".
	Coverage func(w io.Writer, format string) error
	// CoverageIn, when set, serves /coverage instead of Coverage, over the
	// window of ?since=&until= (the zero Window without them; see
	// export.go). Nothing written before it fails makes a 503.
	CoverageIn func(ctx context.Context, w io.Writer, format string, win evidence.Window) error
	// Export, when set, serves GET /export?since=&until=: it writes a
	// bundle of the window's records signed by the sidecar's own key and
	// returns it, or ErrExportBusy (see export.go).
	Export func(ctx context.Context, win evidence.Window) (ExportedBundle, error)
	// CoverageCSP is the Content-Security-Policy sent with the HTML report;
	// the report is self-contained, so the policy can forbid every load.
	CoverageCSP string
	// Snapshot writes a consistent copy of the store (recorder's
	// Store.WriteSnapshot).
	Snapshot func(w io.Writer) (int64, error)
	// Records, when set, serves GET /calls (the latest calls, with filters)
	// and GET /calls/{seq} (one record as stored, redacted, with its chain
	// hash): see calls.go. recorder.Store is one.
	Records CallRecords
	// Report, when set, is the live coverage report: /calls/{seq} lists the
	// requirements whose evidence names the record. Nil: none listed.
	Report func() *coverage.Report
	// CAPEM, when set, is served at GET /ca.pem as application/x-pem-file:
	// the interception CA certificate, for init steps that install it.
	CAPEM []byte
	// Hosts are the Host names the listener answers to besides localhost
	// and IP literals (see the package documentation); matched without
	// case, port or trailing dot. Nil: none.
	Hosts []string
	// BearerToken, when set, must come as "Authorization: Bearer TOKEN"
	// on every path but /healthz, /readyz, /metrics and /ca.pem. Empty: no
	// authentication (cmd allows that on loopback only).
	BearerToken string
	// CheckCall, when set, holds a call against the API description for
	// /calls/{seq}, which then shows the findings (contract.Spec.Check).
	CheckCall func(*evidence.Record) contract.Result
	// Logger receives errors that can no longer be sent to the client; nil
	// discards them.
	Logger *slog.Logger
	// Now is the clock for the snapshot's file name; nil means time.Now.
	Now func() time.Time
}

func Handler(o Options) http.Handler {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return newDoors(o.Hosts, o.BearerToken).guard(o.mux())
}

func (o Options) mux() *http.ServeMux {
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
	if o.Coverage != nil || o.CoverageIn != nil {
		mux.HandleFunc("GET /coverage", o.coverage)
	}
	if o.Snapshot != nil {
		mux.HandleFunc("GET /snapshot", o.snapshot)
	}
	if o.Export != nil {
		mux.HandleFunc("GET /export", o.export)
	}
	if o.CAPEM != nil {
		mux.HandleFunc("GET /ca.pem", o.caPEM)
	}
	if o.Records != nil {
		mux.HandleFunc("GET /calls", o.calls)
		mux.HandleFunc("GET /calls/{seq}", o.call)
	}
	mux.HandleFunc("GET /{$}", o.index)
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
	if _, ok := contentTypes[format]; !ok {
		writeText(w, http.StatusBadRequest, fmt.Sprintf("unknown format %q: html, json, md or table\n", format))
		return
	}
	if o.coverageIn(w, r, format) {
		return
	}
	o.coverageHeaders(w, format)
	if err := o.Coverage(w, format); err != nil {
		o.Logger.Error("render coverage", "format", format, "err", err)
	}
}

func (o Options) coverageHeaders(w http.ResponseWriter, format string) {
	w.Header().Set("Content-Type", contentTypes[format])
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if format == "html" && o.CoverageCSP != "" {
		w.Header().Set("Content-Security-Policy", o.CoverageCSP)
	}
}

func (o Options) caPEM(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/x-pem-file")
	w.Header().Set("Content-Disposition", `attachment; filename="evidence-proxy-ca.pem"`)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(o.CAPEM)
}

func writeText(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}
