package admin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// ErrExportBusy is returned by an Options.Export that is already writing a
// bundle: GET /export answers 429 and asks to retry later.
var ErrExportBusy = errors.New("another export is in progress")

// ExportedBundle is a bundle written for GET /export, ready to send.
type ExportedBundle struct {
	// Path is the bundle file.
	Path string
	// Name is the file name offered to the client.
	Name string
	// Remove deletes the file once it has been sent (or not).
	Remove func()
}

// window reads ?since= and ?until=.
func (o Options) window(r *http.Request) (evidence.Window, error) {
	q := r.URL.Query()
	w, err := evidence.ParseWindow(q.Get("since"), q.Get("until"), o.Now())
	if err != nil {
		return evidence.Window{}, fmt.Errorf("read the time window: %w", err)
	}
	return w, nil
}

// export writes the bundle (Options.Export) and streams it. A failure
// before the first byte is a 4xx or 503 that says why; after it, the
// transfer is aborted so that the client sees a broken download, never a
// short bundle that looks complete.
func (o Options) export(w http.ResponseWriter, r *http.Request) {
	win, err := o.window(r)
	if err != nil {
		writeText(w, http.StatusBadRequest, err.Error()+"\n")
		return
	}
	b, err := o.Export(r.Context(), win)
	switch {
	case errors.Is(err, ErrExportBusy):
		w.Header().Set("Retry-After", "30")
		writeText(w, http.StatusTooManyRequests, "export refused: "+err.Error()+"; retry later\n")
		return
	case r.Context().Err() != nil && err != nil:
		o.Logger.Info("export ended by the client", "err", err)
		return
	case err != nil:
		o.Logger.Error("write export", "err", err)
		writeText(w, http.StatusServiceUnavailable, "export failed: "+err.Error()+"\n")
		return
	}
	defer b.Remove()
	if err := o.sendFile(r.Context(), w, b); err != nil {
		o.Logger.Info("export download ended early", "err", err)
		panic(http.ErrAbortHandler)
	}
}

// sendFile streams the bundle with its length.
func (o Options) sendFile(ctx context.Context, w http.ResponseWriter, b ExportedBundle) error {
	f, err := os.Open(b.Path)
	if err != nil {
		return fmt.Errorf("send export: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("send export: %w", err)
	}
	w.Header().Set("Content-Type", "application/zstd")
	w.Header().Set("Content-Length", strconv.FormatInt(st.Size(), 10))
	w.Header().Set("Content-Disposition", `attachment; filename="`+b.Name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	n, err := io.Copy(w, f)
	if err == nil && n != st.Size() {
		err = fmt.Errorf("sent %d of %d bytes", n, st.Size())
	}
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		return fmt.Errorf("send export: %w", err)
	}
	return nil
}

// coverageIn renders /coverage through CoverageIn, with the request's
// window.
func (o Options) coverageIn(w http.ResponseWriter, r *http.Request, format string) (handled bool) {
	if o.CoverageIn == nil {
		return false
	}
	win, err := o.window(r)
	if err != nil {
		writeText(w, http.StatusBadRequest, err.Error()+"\n")
		return true
	}
	o.coverageHeaders(w, format)
	dst := &clientWriter{w: w}
	err = o.CoverageIn(r.Context(), dst, format, win)
	switch {
	case err == nil:
	case dst.n == 0 && dst.err == nil:
		o.Logger.Error("render coverage", "format", format, "err", err)
		writeText(w, http.StatusServiceUnavailable, "coverage failed: "+err.Error()+"\n")
	default:
		o.Logger.Error("render coverage", "format", format, "err", err)
	}
	return true
}
