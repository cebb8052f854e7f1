package export

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/evidence-proxy/evidence-proxy/provenance"
)

// Source is an ordered record stream (the recorder's store implements it).
type Source interface {
	// Iterate calls fn for every record with Seq >= fromSeq in ascending
	// sequence order, until the records run out or fn returns an error,
	// which Iterate returns as is or wrapped with %w. Each record is fn's
	// own (freshly decoded, never reused): export hands it to the goroutine
	// that derives the HAR and the coverage, so nothing may modify it after
	// fn returns.
	Iterate(ctx context.Context, fromSeq uint64, fn func(*evidence.Record) error) error
}

// Options configure Write. The zero value is not enough: InstanceID,
// Signer, Coverage and Matrix are required.
type Options struct {
	// Since and Until limit the export to the calls received in
	// [Since, Until); a zero bound is open. So that the chain stays
	// verifiable, the export is the contiguous run of records from the
	// first to the last received in the range: a record in between that
	// was received outside it (a slow call committed late) is included too.
	Since, Until time.Time
	// InstanceID names the store the records come from (1–128 of
	// [A-Za-z0-9._-]); merge keeps one chain per instance.
	InstanceID string
	// SourceHead is the store's last record when the export starts, if
	// known. The export then stops at it, checks that the record there has
	// this hash, and records it in the manifest.
	SourceHead *ChainPoint
	// ToolVersion is written in the manifest and the HAR; empty means "dev".
	ToolVersion string
	// Signer signs the manifest.
	Signer ed25519.PrivateKey
	// Coverage renders the coverage reports.
	Coverage Coverage
	// Matrix is the canonical YAML of the matrix Coverage computes against
	// (coverage.Matrix.Canonical()). It is embedded as matrix.yaml, so the
	// bundle verifies without the verifier having the matrix; its SHA-256
	// must be the one Coverage reports.
	Matrix []byte
	// Provenance is what the store observed (recorder.Store.Provenance);
	// nil for a store without any, whose calls are then all of class other.
	// The bundle carries the provenance derived from it and the exported
	// records (provenance.Tally).
	Provenance *evidence.Provenance
	// Attachments are files the bundle carries as given (the Member*
	// attachment names: API description, readiness content, checklist,
	// go-live result). An Attaching Coverage computes over them, and may
	// add the defaults it uses; see Attaching.
	Attachments []Attachment
	// Progress, when set, receives a progress line every 100,000 records.
	Progress io.Writer
	// Now stamps the manifest's created_at; nil means time.Now.
	Now func() time.Time
}

// progressEvery is how many records pass between progress lines.
const progressEvery = 100_000

// Write exports the records of src into one bundle at out: a zstd tar with
// manifest.json, manifest.sig, records.jsonl, traces.har, coverage.json,
// coverage.md and coverage.html. The bundle is written under a temporary
// name in out's directory, fsynced and renamed, so out is never a partial
// bundle; records and HAR are staged in temporary files there, so memory
// does not grow with the number of records. The chain read from src is
// checked as it is exported: a store whose chain is broken is not signed.
func Write(ctx context.Context, out string, src Source, opts Options) (*Manifest, error) {
	if err := opts.check(); err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	m, err := write(ctx, out, src, opts)
	if err != nil {
		return nil, fmt.Errorf("export %s: %w", out, err)
	}
	return m, nil
}

func (o *Options) check() error {
	if err := checkInstanceID(o.InstanceID); err != nil {
		return err
	}
	if len(o.Signer) != ed25519.PrivateKeySize {
		return ErrNoSigner
	}
	if o.Coverage == nil {
		return ErrNoCoverage
	}
	if len(o.Matrix) == 0 {
		return ErrNoMatrix
	}
	if p := o.Provenance; p != nil && p.InstanceID != "" && p.InstanceID != o.InstanceID {
		return fmt.Errorf("the provenance given is of instance %q, not %q", p.InstanceID, o.InstanceID)
	}
	if !o.Since.IsZero() && !o.Until.IsZero() && !o.Since.Before(o.Until) {
		return fmt.Errorf("empty time range: since %s is not before until %s", o.Since, o.Until)
	}
	return nil
}

func write(ctx context.Context, out string, src Source, opts Options) (*Manifest, error) {
	span, err := selectSpan(ctx, src, &opts)
	if err != nil {
		return nil, err
	}
	cov, atts, err := attach(opts.Coverage, opts.Attachments)
	if err != nil {
		return nil, err
	}
	opts.Coverage = cov
	dir, prefix := filepath.Dir(out), "."+filepath.Base(out)+".*.part"
	recs, err := newScratch(dir, prefix)
	if err != nil {
		return nil, err
	}
	defer recs.remove()
	d, err := newDerived(dir, prefix, toolVersion(opts.ToolVersion), opts.Coverage)
	if err != nil {
		return nil, err
	}
	defer d.remove()

	tally := provenance.NewTally(opts.Provenance)
	source, err := exportRecords(ctx, src, span, &opts, recs, d, tally)
	if err != nil {
		return nil, err
	}
	source.Provenance = tally.Result()
	source.Provenance.InstanceID = opts.InstanceID
	recMember, err := recs.member(MemberRecords)
	if err != nil {
		return nil, err
	}
	har, files, matrix, err := d.finish()
	if err != nil {
		return nil, err
	}
	if err := checkMatrix(opts.Matrix, matrix); err != nil {
		return nil, err
	}
	m := newManifest(KindExport, &opts, matrix, []SourceChain{source})
	if err := m.describeExtras(atts, files, opts.Coverage); err != nil {
		return nil, err
	}
	if !opts.Since.IsZero() || !opts.Until.IsZero() {
		m.TimeRange = &TimeRange{Since: opts.Since, Until: opts.Until}
	}
	if files, err = withHeader(files, m.Header()); err != nil {
		return nil, err
	}
	m.Members = append(append([]Member{memberOf(MemberMatrix, opts.Matrix)}, attachmentMembers(atts)...), recMember, har)
	m.Members = append(m.Members, coverageMembers(files)...)
	progress(opts.Progress, "export: writing bundle (%d records)", source.Count)
	err = assemble(out, m, opts.Signer, opts.Matrix, func(bw *bundleWriter) error {
		if err := writeAttachments(bw, atts); err != nil {
			return err
		}
		r, err := recs.reader()
		if err != nil {
			return err
		}
		if err := bw.add(MemberRecords, recMember.Size, r); err != nil {
			return err
		}
		return d.writeTail(bw, har, files)
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// newManifest fills in everything but the members and the time range.
func newManifest(kind string, opts *Options, matrix MatrixInfo, sources []SourceChain) *Manifest {
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	pub := opts.Signer.Public().(ed25519.PublicKey)
	m := &Manifest{
		Format:    FormatVersion,
		Kind:      kind,
		Tool:      Tool{Name: ToolName, Version: toolVersion(opts.ToolVersion)},
		CreatedAt: now().UTC(),
		Matrix:    matrix,
		Sources:   sources,
		Signer:    Signer{KeyID: KeyID(pub), PublicKey: base64.StdEncoding.EncodeToString(pub)},
	}
	var classes []evidence.Class
	for _, s := range sources {
		classes = append(classes, s.Provenance.Class)
	}
	m.Environment.Class = provenance.Combine(classes...)
	for _, s := range sources {
		m.Records.Count += s.Count
		if s.Count == 0 {
			continue
		}
		if m.Records.FirstTime.IsZero() || s.FirstTime.Before(m.Records.FirstTime) {
			m.Records.FirstTime = s.FirstTime
		}
		if s.LastTime.After(m.Records.LastTime) {
			m.Records.LastTime = s.LastTime
		}
	}
	return m
}

func coverageMembers(files map[string][]byte) []Member {
	var out []Member
	for _, name := range coverageFiles() {
		out = append(out, memberOf(name, files[name]))
	}
	return append(out, derivedMembers(files)...)
}

// assemble signs m and writes the bundle: manifest.json, manifest.sig,
// matrix.yaml, then the members body writes, atomically at out.
func assemble(out string, m *Manifest, key ed25519.PrivateKey, matrix []byte, body func(*bundleWriter) error) error {
	manifest, err := encodeManifest(m)
	if err != nil {
		return err
	}
	sig, err := signManifest(key, manifest)
	if err != nil {
		return err
	}
	af, err := createAtomic(out)
	if err != nil {
		return err
	}
	committed := false
	defer func() {
		if !committed {
			af.abort()
		}
	}()
	buf := bufio.NewWriterSize(af, 1<<20)
	bw, err := newBundleWriter(buf, m.CreatedAt)
	if err != nil {
		return err
	}
	err = bw.addBytes(MemberManifest, manifest)
	if err == nil {
		err = bw.addBytes(MemberSignature, sig)
	}
	if err == nil {
		err = bw.addBytes(MemberMatrix, matrix)
	}
	if err == nil {
		err = body(bw)
	}
	if cerr := bw.close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := buf.Flush(); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	if err := af.commit(); err != nil {
		return err
	}
	committed = true
	return nil
}

func toolVersion(v string) string {
	if v == "" {
		return "dev"
	}
	return v
}

func progress(w io.Writer, format string, args ...any) {
	if w != nil {
		fmt.Fprintf(w, format+"\n", args...)
	}
}
