package admin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

var exportNow = time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)

// fakeExport writes a bundle file holding the window it was asked for.
type fakeExport struct {
	dir     string
	err     error
	removed atomic.Int32
	got     evidence.Window
}

func (f *fakeExport) export(_ context.Context, w evidence.Window) (ExportedBundle, error) {
	if f.err != nil {
		return ExportedBundle{}, f.err
	}
	f.got = w
	path := filepath.Join(f.dir, "bundle.tar.zst")
	if err := os.WriteFile(path, []byte("bundle for "+w.String()), 0o600); err != nil {
		return ExportedBundle{}, err
	}
	return ExportedBundle{Path: path, Name: "evidence-1.tar.zst", Remove: func() {
		f.removed.Add(1)
		os.Remove(path)
	}}, nil
}

func TestExport(t *testing.T) {
	tests := []struct {
		name       string
		query      string
		err        error
		wantStatus int
		wantBody   string
		wantWindow evidence.Window
	}{
		{name: "all records", wantStatus: 200, wantBody: "bundle for all records"},
		{name: "a window", query: "?since=2026-03-14T09:00:00Z&until=2026-03-14T10:00:00Z", wantStatus: 200,
			wantBody:   "bundle for 2026-03-14T09:00:00Z – 2026-03-14T10:00:00Z",
			wantWindow: evidence.Window{Since: exportNow.Add(-3 * time.Hour), Until: exportNow.Add(-2 * time.Hour)}},
		{name: "relative since, against the listener's clock", query: "?since=2h", wantStatus: 200,
			wantWindow: evidence.Window{Since: exportNow.Add(-2 * time.Hour)}},
		{name: "unparsable since", query: "?since=yesterday", wantStatus: 400, wantBody: "RFC 3339"},
		{name: "since after until", query: "?since=1h&until=2h", wantStatus: 400, wantBody: "window would be empty"},
		{name: "an export in progress", err: ErrExportBusy, wantStatus: 429, wantBody: "retry later"},
		{name: "a failing store", err: errors.New("snapshot store: disk full"), wantStatus: 503, wantBody: "export failed: snapshot store: disk full"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeExport{dir: t.TempDir(), err: tt.err}
			srv := httptest.NewServer(Handler(Options{Export: f.export, Now: func() time.Time { return exportNow }}))
			defer srv.Close()
			resp, err := http.Get(srv.URL + "/export" + tt.query)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.wantStatus || !strings.Contains(string(body), tt.wantBody) {
				t.Fatalf("GET /export%s = %d %q, want %d with %q", tt.query, resp.StatusCode, body, tt.wantStatus, tt.wantBody)
			}
			if tt.wantStatus != 200 {
				if f.removed.Load() != 0 {
					t.Error("a bundle never written was removed")
				}
				return
			}
			if !tt.wantWindow.IsZero() && f.got != tt.wantWindow {
				t.Errorf("window %v, want %v", f.got, tt.wantWindow)
			}
			for h, want := range map[string]string{
				"Content-Type":        "application/zstd",
				"Content-Disposition": `attachment; filename="evidence-1.tar.zst"`,
				"Content-Length":      fmt.Sprint(len(body)),
				"Cache-Control":       "no-store",
			} {
				if got := resp.Header.Get(h); got != want {
					t.Errorf("%s: %q, want %q", h, got, want)
				}
			}
			if f.removed.Load() != 1 {
				t.Errorf("bundle removed %d times after sending, want 1", f.removed.Load())
			}
		})
	}
}

// TestExportNeedsTheToken: /export hands out evidence, so it is behind
// the bearer token like /snapshot.
func TestExportNeedsTheToken(t *testing.T) {
	f := &fakeExport{dir: t.TempDir()}
	srv := httptest.NewServer(Handler(Options{Export: f.export, BearerToken: "s3cret"}))
	defer srv.Close()
	for _, tt := range []struct {
		auth string
		want int
	}{{"", http.StatusUnauthorized}, {"Bearer nope", http.StatusUnauthorized}, {"Bearer s3cret", http.StatusOK}} {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/export", nil)
		if tt.auth != "" {
			req.Header.Set("Authorization", tt.auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.want {
			t.Errorf("GET /export with %q: %d, want %d", tt.auth, resp.StatusCode, tt.want)
		}
	}
}

// TestCoverageIn: /coverage hands its window to CoverageIn, refuses a bad
// one, and says why when the report could not be computed.
func TestCoverageIn(t *testing.T) {
	var got evidence.Window
	fail := errors.New("read records: disk gone")
	o := Options{Now: func() time.Time { return exportNow }, CoverageIn: func(_ context.Context, w io.Writer, format string, win evidence.Window) error {
		if win.Since.Equal(exportNow.Add(-time.Hour)) && win.Until.IsZero() && format == "json" {
			return fail
		}
		got = win
		_, err := fmt.Fprintf(w, "report as %s over %s", format, win)
		return err
	}}
	srv := httptest.NewServer(Handler(o))
	defer srv.Close()
	tests := []struct {
		query      string
		wantStatus int
		wantBody   string
		wantType   string
	}{
		{"", 200, "report as html over all records", "text/html; charset=utf-8"},
		{"?format=md&since=2026-03-14", 200, "report as md over 2026-03-14T00:00:00Z – open", "text/markdown; charset=utf-8"},
		{"?until=30m&format=table", 200, "over open – 2026-03-14T11:30:00Z", "text/plain; charset=utf-8"},
		{"?since=nonsense", 400, "since \"nonsense\"", ""},
		{"?format=json&since=1h", 503, "coverage failed: read records: disk gone", ""},
	}
	for _, tt := range tests {
		resp, err := http.Get(srv.URL + "/coverage" + tt.query)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.wantStatus || !strings.Contains(string(body), tt.wantBody) {
			t.Errorf("GET /coverage%s = %d %q, want %d with %q", tt.query, resp.StatusCode, body, tt.wantStatus, tt.wantBody)
		}
		if tt.wantType != "" && resp.Header.Get("Content-Type") != tt.wantType {
			t.Errorf("GET /coverage%s: Content-Type %q, want %q", tt.query, resp.Header.Get("Content-Type"), tt.wantType)
		}
	}
	if got.IsZero() {
		t.Error("CoverageIn never got a window")
	}
}
