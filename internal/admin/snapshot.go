package admin

import (
	"io"
	"net/http"
	"strconv"
)

// snapshot streams a copy of the store. A store failure before the first
// byte is a 503 that says why; after it, the transfer is aborted so that
// the client sees a broken download, never a short file that looks
// complete. A client that hangs up is logged at info: nothing is wrong
// with the store.
func (o Options) snapshot(w http.ResponseWriter, r *http.Request) {
	name := "evidence-snapshot-" + strconv.FormatInt(o.Now().Unix(), 10) + ".db"
	dst := &clientWriter{w: w}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	n, err := o.Snapshot(dst)
	switch {
	case err == nil:
		return
	case dst.err != nil || r.Context().Err() != nil:
		o.Logger.Info("snapshot download ended by the client", "bytes", n, "err", err)
	case dst.n == 0:
		o.Logger.Error("write snapshot", "err", err)
		w.Header().Del("Content-Disposition")
		writeText(w, http.StatusServiceUnavailable, "snapshot failed: "+err.Error()+"\n")
		return
	default:
		o.Logger.Error("write snapshot", "bytes", n, "err", err)
	}
	panic(http.ErrAbortHandler)
}

// clientWriter counts what reached the client and remembers why writing
// to it failed.
type clientWriter struct {
	w   io.Writer
	n   int64
	err error
}

func (c *clientWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	if err != nil {
		c.err = err
	}
	return n, err
}
