package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"

	"github.com/spf13/pflag"

	"github.com/evidence-proxy/evidence-proxy/contract"
	"github.com/evidence-proxy/evidence-proxy/coverage"
	"github.com/evidence-proxy/evidence-proxy/export"
	"github.com/evidence-proxy/evidence-proxy/export/bundlecov"
	"github.com/evidence-proxy/evidence-proxy/golive"
)

// reportFlags are the flags that say what a report holds besides the
// coverage verdicts: --spec (the API description calls are held against)
// and --golive-checklist (the integrator's answers to the go-live
// checklist), on coverage and export.
type reportFlags struct {
	spec      string
	checklist string
}

func (f *reportFlags) bind(fs *pflag.FlagSet) {
	fs.StringVar(&f.spec, "spec", "", "OpenAPI description `FILE` the contract checks hold calls against (default: the built-in Axys v2 description)")
	fs.StringVar(&f.checklist, "golive-checklist", "", "go-live checklist `FILE` (YAML) answering the readiness view's set-up and not-tested items")
}

// load loads the description and the checklist; a bad file is an error
// naming its line.
func (f *reportFlags) load() (bundlecov.ExtrasOptions, error) {
	var o bundlecov.ExtrasOptions
	var err error
	if o.Spec, err = loadSpec(f.spec); err != nil {
		return o, err
	}
	if o.Checklist, err = loadChecklist(f.checklist); err != nil {
		return o, err
	}
	return o, nil
}

// loadSpec loads --spec, or returns the built-in description for "". A
// description that cannot be used is a *contract.LoadError naming the
// file and the line or JSON pointer.
func loadSpec(path string) (*contract.Spec, error) {
	if path == "" {
		return contract.Default(), nil
	}
	return contract.Load(path)
}

// loadChecklist loads --golive-checklist; nil for "".
func loadChecklist(path string) (*golive.Checklist, error) {
	if path == "" {
		return nil, nil
	}
	c, err := golive.LoadChecklist(path, nil)
	if err != nil {
		return nil, fmt.Errorf("--golive-checklist: %w", err)
	}
	return c, nil
}

// attachments are what a bundle carries of the report flags: the
// description and the checklist file as they were read.
func attachments(o bundlecov.ExtrasOptions) []export.Attachment {
	atts := []export.Attachment{{Name: export.MemberSpec, Data: o.Spec.Bytes()}}
	if o.Checklist != nil {
		atts = append(atts, export.Attachment{Name: export.MemberChecklist, Data: o.Checklist.Raw})
	}
	return atts
}

// bundleComputation is the coverage computation a bundle is written with:
// the coverage engine, the readiness view and the contract findings, over
// the description already loaded.
func bundleComputation(m *coverage.Matrix, o bundlecov.ExtrasOptions) export.Coverage {
	return bundlecov.New(m).WithSpec(o.Spec)
}

// writeFullReport writes a report with its sections in a format of
// "coverage --format" and /coverage.
func writeFullReport(w io.Writer, rep *coverage.Report, s *bundlecov.Sections, format string) error {
	if _, ok := reportWriter(format); !ok {
		return newUsageError("unknown report format %q: json, md, html or table", format)
	}
	return bundlecov.WriteReport(w, rep, s, format)
}

// sha256Hex is the hex SHA-256 of data, as manifests and reports name
// files.
func sha256Hex(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}
