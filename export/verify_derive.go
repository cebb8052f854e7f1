package export

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"fmt"
	"io"

	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/evidence-proxy/evidence-proxy/provenance"
)

func (v *verifier) readChain(ctx context.Context, r io.Reader, src *SourceChain) error {
	c := newChainChecker(src)
	var p *recordPipe
	if v.cov != nil {
		instance := src.InstanceID
		p = startPipe(func(rec *evidence.Record) error {
			v.cov.Observe(instance, rec)
			v.tally.Observe(rec)
			return v.har.add(rec, "")
		})
	}
	err := c.readChain(r, func(rec *evidence.Record) error {
		if c.count%1024 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		if p == nil {
			return nil
		}
		return p.send(rec)
	})
	if p == nil {
		return err
	}
	return p.wait(err)
}

// checkSource checks, in a merged bundle, a source's own manifest and
// signature against the merged manifest's entry and records member.
func (v *verifier) checkSource(s *SourceChain) error {
	if s.Manifest == "" {
		return nil
	}
	data, sig := v.small[s.Manifest], v.small[s.Signature]
	sm, err := decodeManifest(s.Manifest, data)
	if err != nil {
		return err
	}
	keys := v.pinned
	if len(keys) == 0 {
		keys = []ed25519.PublicKey{embeddedKey(sm.Signer)}
	}
	if _, err := verifyPinned(s.Signature, sig, data, keys); err != nil {
		return err
	}
	fail := func(reason string) error { return &MemberError{Member: s.Manifest, Reason: reason} }
	switch {
	case sm.Kind != KindExport:
		return fail("a source must be an export")
	case sm.Signer.KeyID != s.KeyID:
		return fail("signed by key " + sm.Signer.KeyID + ", the merged manifest says " + s.KeyID)
	case !sameChain(&sm.Sources[0], s):
		return fail("its chain differs from the merged manifest's entry for " + s.InstanceID)
	case sm.Matrix != v.manifest.Matrix:
		return fail(fmt.Sprintf("computed against matrix %s %s, the merged bundle's is %s %s", sm.Matrix.ID, sm.Matrix.Version, v.manifest.Matrix.ID, v.manifest.Matrix.Version))
	}
	if d := provenance.Diff(sm.Sources[0].Provenance, s.Provenance); d != "" {
		return fail("its provenance differs from the merged manifest's entry for " + s.InstanceID + ": " + d)
	}
	orig, _ := sm.member(MemberRecords)
	if got, _ := v.manifest.member(s.Records); got.Size != orig.Size || got.SHA256 != orig.SHA256 {
		return fail(s.Records + " is not the records member it signed")
	}
	return nil
}

// sameChain compares what two manifests say about one chain.
func sameChain(a, b *SourceChain) bool {
	sameHead := (a.StoreHead == nil) == (b.StoreHead == nil) && (a.StoreHead == nil || *a.StoreHead == *b.StoreHead)
	return a.InstanceID == b.InstanceID && a.Count == b.Count && a.FirstSeq == b.FirstSeq &&
		a.LastSeq == b.LastSeq && a.FirstTime.Equal(b.FirstTime) && a.LastTime.Equal(b.LastTime) &&
		a.PrevHash == b.PrevHash && a.ChainHead == b.ChainHead && sameHead
}

// checkDerived checks the provenance against the records, then recomputes
// the coverage reports (with their provenance header) and the HAR from the
// records and compares them with the bundle's.
func (v *verifier) checkDerived(ctx context.Context) error {
	m := v.manifest
	if m.Kind == KindMerge {
		if err := v.deriveMerged(ctx); err != nil {
			return err
		}
	} else if err := checkProvenance(&m.Sources[0], v.tally); err != nil {
		return err
	}
	files, matrix, err := coverageOutput(v.cov)
	if err != nil {
		return err
	}
	if matrix != m.Matrix {
		return &MemberError{Member: MemberMatrix, Reason: fmt.Sprintf(
			"the manifest's matrix %s %s (sha256 %s…) differs from the one the coverage was recomputed with, %s %s (sha256 %s…)",
			m.Matrix.ID, m.Matrix.Version, shortHash(m.Matrix.SHA256), matrix.ID, matrix.Version, shortHash(matrix.SHA256))}
	}
	if files, err = withHeader(files, m.Header()); err != nil {
		return err
	}
	for _, name := range coverageFiles() {
		if !bytes.Equal(files[name], v.small[name]) {
			return &MemberError{Member: name, Reason: "differs from the coverage recomputed from the records"}
		}
	}
	if err := v.checkDerivedMembers(files); err != nil {
		return err
	}
	har, err := v.har.sum()
	if err != nil {
		return err
	}
	if want, _ := m.member(MemberHAR); har != want {
		return &MemberError{Member: MemberHAR, Reason: "differs from the HAR derived from the records"}
	}
	return nil
}

// checkProvenance compares a source's provenance with the one its records
// give: a record that reached an origin the provenance does not list fails
// on that record; any other difference fails on the manifest.
func checkProvenance(s *SourceChain, tally *provenance.Tally) error {
	if u, ok := tally.FirstUnknown(); ok {
		return &RecordError{Member: s.Records, Line: int(u.Seq - s.FirstSeq + 1), Seq: u.Seq,
			Reason: "the call reached " + u.Origin + ", which is not among the provenance origins of " + s.InstanceID}
	}
	if d := provenance.Diff(s.Provenance, tally.Result()); d != "" {
		return &MemberError{Member: MemberManifest, Reason: "provenance of " + s.InstanceID + " contradicts its records: " + d}
	}
	return nil
}

// deriveMerged reads the sources again side by side, in merge order.
func (v *verifier) deriveMerged(ctx context.Context) error {
	v.cov = v.coverage.New()
	var err error
	if v.har, err = newHARDigest(v.manifest.Tool.Version); err != nil {
		return err
	}
	tallies := map[string]*provenance.Tally{}
	var paths, members, instances []string
	for _, s := range v.manifest.Sources {
		paths, members, instances = append(paths, v.path), append(members, s.Records), append(instances, s.InstanceID)
		tallies[s.InstanceID] = provenance.NewTally(s.Provenance)
	}
	err = walkMerged(ctx, paths, members, instances, func(rec *evidence.Record, instance string) error {
		v.cov.Observe(instance, rec)
		tallies[instance].Observe(rec)
		return v.har.add(rec, instance)
	})
	if err != nil {
		return err
	}
	for i := range v.manifest.Sources {
		s := &v.manifest.Sources[i]
		if err := checkProvenance(s, tallies[s.InstanceID]); err != nil {
			return err
		}
	}
	return nil
}
