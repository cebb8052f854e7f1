package export

import (
	"fmt"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// derived builds the members derived from an ordered record stream: the
// HAR (staged in a scratch file) and the coverage reports (in memory).
type derived struct {
	har *scratch
	hw  *harWriter
	cov CoverageRun
}

func newDerived(dir, prefix, toolVersion string, cov Coverage) (*derived, error) {
	har, err := newScratch(dir, prefix)
	if err != nil {
		return nil, err
	}
	d := &derived{har: har, hw: newHARWriter(har), cov: cov.New()}
	if err := d.hw.begin(toolVersion); err != nil {
		d.remove()
		return nil, fmt.Errorf("write %s: %w", MemberHAR, err)
	}
	return d, nil
}

// add feeds the next record of the source instance; harInstance is what
// the HAR entry names (empty in an export).
func (d *derived) add(rec *evidence.Record, instance, harInstance string) error {
	d.cov.Observe(instance, rec)
	if err := d.hw.add(rec, harInstance); err != nil {
		return fmt.Errorf("write %s: %w", MemberHAR, err)
	}
	return nil
}

// finish ends the HAR and renders the coverage.
func (d *derived) finish() (Member, map[string][]byte, MatrixInfo, error) {
	if err := d.hw.end(); err != nil {
		return Member{}, nil, MatrixInfo{}, fmt.Errorf("write %s: %w", MemberHAR, err)
	}
	har, err := d.har.member(MemberHAR)
	if err != nil {
		return Member{}, nil, MatrixInfo{}, err
	}
	files, matrix, err := coverageOutput(d.cov)
	if err != nil {
		return Member{}, nil, MatrixInfo{}, err
	}
	return har, files, matrix, nil
}

func (d *derived) remove() { d.har.remove() }

// writeTail writes the members every bundle ends with: the HAR, the
// coverage reports and the derived members beyond them.
func (d *derived) writeTail(bw *bundleWriter, har Member, files map[string][]byte) error {
	r, err := d.har.reader()
	if err != nil {
		return err
	}
	if err := bw.add(MemberHAR, har.Size, r); err != nil {
		return err
	}
	for _, name := range coverageFiles() {
		if err := bw.addBytes(name, files[name]); err != nil {
			return err
		}
	}
	return writeDerived(bw, files)
}

// harDigest derives a HAR again from records, hashing it instead of storing
// it, so verify can compare it with the bundle's.
type harDigest struct {
	h  *scratchHash
	hw *harWriter
}

func newHARDigest(toolVersion string) (*harDigest, error) {
	h := newScratchHash()
	d := &harDigest{h: h, hw: newHARWriter(h)}
	if err := d.hw.begin(toolVersion); err != nil {
		return nil, err
	}
	return d, nil
}

func (d *harDigest) add(rec *evidence.Record, instance string) error { return d.hw.add(rec, instance) }

// sum ends the HAR and returns its manifest entry.
func (d *harDigest) sum() (Member, error) {
	if err := d.hw.end(); err != nil {
		return Member{}, err
	}
	return d.h.member(MemberHAR), nil
}
