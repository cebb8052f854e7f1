package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"fmt"
	"io"

	"github.com/evidence-proxy/evidence-proxy/coverage"
	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/evidence-proxy/evidence-proxy/export"
	"github.com/evidence-proxy/evidence-proxy/export/bundlecov"
	"github.com/evidence-proxy/evidence-proxy/recorder"
)

// A recorder.Stream is what export reads, and its time index finds a
// window's span without decoding every record.
var (
	_ export.Source    = recorder.Stream{}
	_ export.TimeIndex = recorder.Stream{}
)

// writeHeadedReport writes a report in format with its provenance header
// first, as a bundle's reports have it: text lines before a table, and
// export.AddHeader's "provenance" member, block or banner at the top of
// JSON, Markdown and HTML. render writes the report itself.
func writeHeadedReport(w io.Writer, format string, h export.Header, render func(io.Writer) error) error {
	if format == "table" {
		if err := export.WriteHeaderText(w, h); err != nil {
			return err
		}
		return render(w)
	}
	var buf bytes.Buffer
	if err := render(&buf); err != nil {
		return err
	}
	out, err := export.AddHeader(format, buf.Bytes(), h)
	if err != nil {
		return err
	}
	_, err = w.Write(out)
	return err
}

// eachRecord reads the records of st in sequence order and hands each to
// every observer: one pass feeds coverage, its sections and the
// provenance tally alike.
func eachRecord(ctx context.Context, st recorder.Stream, observers ...func(*evidence.Record)) error {
	err := st.Each(ctx, func(r *evidence.Record) error {
		for _, observe := range observers {
			observe(r)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("read store: %w", err)
	}
	return nil
}

// fullReport computes, in one pass over the records of st in win, the
// coverage report, its sections (readiness, contract) and its provenance
// header; known is what the store observed (nil for nothing).
func fullReport(ctx context.Context, st recorder.Stream, m *coverage.Matrix, extras bundlecov.ExtrasOptions,
	known *evidence.Provenance, instance string, win evidence.Window) (*coverage.Report, *bundlecov.Sections, export.Header, error) {
	p := bundlecov.NewPass(m, extras)
	pt := newProvTally(known, instance)
	if err := eachRecord(ctx, st.Window(win), p.Observe, pt.observe); err != nil {
		return nil, nil, export.Header{}, err
	}
	rep, sections, err := p.Report()
	if err != nil {
		return nil, nil, export.Header{}, err
	}
	return rep, sections, pt.header(win, m), nil
}

// bundleOptions are the export options of a bundle of store's records in
// win: judged against m (embedded as matrix.yaml) with the description and
// checklist of extras (carried as attachments), with the provenance prov,
// signed by signer.
func bundleOptions(store *recorder.Store, m *coverage.Matrix, extras bundlecov.ExtrasOptions, prov *evidence.Provenance, signer ed25519.PrivateKey, win evidence.Window) export.Options {
	opts := export.Options{
		Since: win.Since, Until: win.Until,
		InstanceID: store.InstanceID(), ToolVersion: toolVersion(), Signer: signer,
		Coverage: bundleComputation(m, extras), Matrix: m.Canonical(), Attachments: attachments(extras),
		Provenance: prov,
	}
	if seq, hash := store.Head(); seq > 0 {
		opts.SourceHead = &export.ChainPoint{Seq: seq, Hash: hash}
	}
	return opts
}
