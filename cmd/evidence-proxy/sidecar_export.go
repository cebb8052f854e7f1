package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/evidence-proxy/evidence-proxy/export"
	"github.com/evidence-proxy/evidence-proxy/internal/admin"
	"github.com/evidence-proxy/evidence-proxy/recorder"
)

// exportBundle is the admin listener's GET /export: a bundle of the
// window's records, written from a snapshot of the store (so commits go
// on meanwhile) into the data directory and signed with the sidecar's own
// key, with the provenance the collector has gathered and the matrix,
// description and checklist serve runs with. One export runs at a time,
// until its last byte is sent; the snapshot is removed at once, the
// bundle once sent.
func (sc *sidecar) exportBundle(ctx context.Context, win evidence.Window) (admin.ExportedBundle, error) {
	t := sc.trust
	if !t.exporting.TryLock() {
		return admin.ExportedBundle{}, admin.ErrExportBusy
	}
	b, err := sc.writeExport(ctx, win)
	if err != nil {
		t.exporting.Unlock()
		return admin.ExportedBundle{}, err
	}
	b.Remove = func() {
		os.Remove(b.Path)
		t.exporting.Unlock()
	}
	return b, nil
}

func (sc *sidecar) writeExport(ctx context.Context, win evidence.Window) (admin.ExportedBundle, error) {
	sn, err := sc.store.Snapshot()
	if err != nil {
		return admin.ExportedBundle{}, fmt.Errorf("snapshot the store: %w", err)
	}
	defer sn.Remove()
	ro, err := recorder.OpenReadOnly(sn.Path())
	if err != nil {
		return admin.ExportedBundle{}, fmt.Errorf("open the snapshot: %w", err)
	}
	defer ro.Close(context.WithoutCancel(ctx))
	dir := filepath.Join(sc.cfg.DataDir, exportsDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return admin.ExportedBundle{}, fmt.Errorf("create exports dir: %w", err)
	}
	now := time.Now().UTC()
	name := fmt.Sprintf("evidence-%s-%s.tar.zst", ro.InstanceID(), now.Format("20060102T150405Z"))
	out := filepath.Join(dir, fmt.Sprintf("%d-%s", now.UnixNano(), name))
	opts := bundleOptions(ro, sc.pre.matrix, sc.pre.report, sc.trust.col.Provenance(), sc.trust.signer, win)
	if _, err := export.Write(ctx, out, ro.Stream(), opts); err != nil {
		return admin.ExportedBundle{}, err
	}
	return admin.ExportedBundle{Path: out, Name: name}, nil
}

// coverageReport is the admin listener's /coverage: the live report
// (every record, kept current by the feed) without a window, else the
// report over the window's records, read from the store; the provenance
// header first in both.
func (sc *sidecar) coverageReport(ctx context.Context, w io.Writer, format string, win evidence.Window) error {
	m := sc.pre.matrix
	if win.IsZero() {
		h, err := sc.trust.live.header(ctx, m)
		if err != nil {
			return err
		}
		return writeHeadedReport(w, format, h, func(w io.Writer) error { return sc.sections.write(ctx, w, sc.live, format) })
	}
	rep, sections, h, err := fullReport(ctx, sc.store.Stream(), m, sc.pre.report, sc.trust.col.Provenance(), sc.store.InstanceID(), win)
	if err != nil {
		return err
	}
	return writeHeadedReport(w, format, h, func(w io.Writer) error {
		return writeFullReport(w, rep, sections, format)
	})
}
