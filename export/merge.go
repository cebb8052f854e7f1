package export

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"sort"
	"time"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// MergeOptions configure Merge. Signer, and Matrices or Coverage, are
// required.
type MergeOptions struct {
	// InputKeys, when not empty, are the keys allowed to have signed the
	// inputs (and their sources); otherwise each input is checked against
	// its own manifest's key, and only the auditor's verify of the merged
	// bundle, pinning every source's key, authenticates them.
	InputKeys []ed25519.PublicKey
	// AllowMixed allows inputs of different environment classes (say
	// axys-staging and emulator); the merged manifest and reports then say
	// so. Without it such a merge is refused with a MixedClassError.
	AllowMixed bool
	// Matrices rebuilds each input's coverage from its embedded matrix;
	// the inputs must share one matrix, which the merged reports use.
	Matrices MatrixLoader
	// ToolVersion is written in the manifest and the HAR; empty means "dev".
	ToolVersion string
	// Signer signs the merged manifest.
	Signer ed25519.PrivateKey
	// Coverage is used instead when Matrices is nil: it verifies the
	// inputs and renders the merged reports.
	Coverage Coverage
	// Progress, when set, receives a line per step.
	Progress io.Writer
	// Now stamps the manifest's created_at; nil means time.Now.
	Now func() time.Time
}

// mergeInput is one verified input bundle.
type mergeInput struct {
	path string
	v    *verifier
}

func (in *mergeInput) chain() *SourceChain { return &in.v.manifest.Sources[0] }

// Merge combines export bundles from several replicas into one bundle at
// out. Every input is verified first (as Verify does). Each input's chain is
// kept intact as sources/<instance-id>/records.jsonl, with its original
// manifest.json and manifest.sig beside it; the merged manifest lists the
// sources with their chain heads. The HAR and the coverage reports cover all
// records, observed in merge order (see walkMerged). Two inputs from the
// same instance are refused: an OverlapError when they hold the same
// records, a ConflictError when they disagree about one, a
// DuplicateInstanceError when their ranges are disjoint.
func Merge(ctx context.Context, out string, inputs []string, opts MergeOptions) (*Manifest, error) {
	m, err := merge(ctx, out, inputs, opts)
	if err != nil {
		return nil, fmt.Errorf("merge into %s: %w", out, err)
	}
	return m, nil
}

func merge(ctx context.Context, out string, paths []string, opts MergeOptions) (*Manifest, error) {
	switch {
	case len(opts.Signer) != ed25519.PrivateKeySize:
		return nil, ErrNoSigner
	case opts.Coverage == nil && opts.Matrices == nil:
		return nil, ErrNoCoverage
	case len(paths) == 0:
		return nil, errors.New("no input bundles")
	}
	inputs, err := verifyInputs(ctx, paths, &opts)
	if err != nil {
		return nil, err
	}
	if err := checkClashes(ctx, inputs); err != nil {
		return nil, err
	}
	if err := checkMergeable(inputs, opts.AllowMixed); err != nil {
		return nil, err
	}
	cov, atts, err := mergeAttachments(inputs)
	if err != nil {
		return nil, err
	}
	d, err := newDerived(filepath.Dir(out), "."+filepath.Base(out)+".*.part", toolVersion(opts.ToolVersion), cov)
	if err != nil {
		return nil, err
	}
	defer d.remove()
	progress(opts.Progress, "merge: deriving HAR and coverage")
	if err := deriveAll(ctx, inputs, d); err != nil {
		return nil, err
	}
	har, files, matrix, err := d.finish()
	if err != nil {
		return nil, err
	}
	m := mergedManifest(inputs, &opts, matrix)
	if err := m.describeExtras(atts, files, cov); err != nil {
		return nil, err
	}
	m.Members = slices.Insert(m.Members, 1, attachmentMembers(atts)...)
	if files, err = withHeader(files, m.Header()); err != nil {
		return nil, err
	}
	m.Members = append(m.Members, har)
	m.Members = append(m.Members, coverageMembers(files)...)
	progress(opts.Progress, "merge: writing bundle (%d records)", m.Records.Count)
	err = assemble(out, m, opts.Signer, inputs[0].v.matrix, func(bw *bundleWriter) error {
		if err := writeAttachments(bw, atts); err != nil {
			return err
		}
		for _, in := range inputs {
			if err := copySource(bw, in); err != nil {
				return err
			}
		}
		return d.writeTail(bw, har, files)
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// deriveAll feeds every input's records to d in merge order.
func deriveAll(ctx context.Context, inputs []*mergeInput, d *derived) error {
	var paths, members, instances []string
	for _, in := range inputs {
		paths, members, instances = append(paths, in.path), append(members, MemberRecords), append(instances, in.chain().InstanceID)
	}
	return walkMerged(ctx, paths, members, instances, func(rec *evidence.Record, instance string) error {
		return d.add(rec, instance, instance)
	})
}

// verifyInputs verifies every input and orders them by instance id.
func verifyInputs(ctx context.Context, paths []string, opts *MergeOptions) ([]*mergeInput, error) {
	var inputs []*mergeInput
	for _, p := range paths {
		progress(opts.Progress, "merge: verifying %s", p)
		v, err := verifyInput(ctx, p, opts)
		if err != nil {
			return nil, fmt.Errorf("input %s: %w", p, err)
		}
		if v.manifest.Kind != KindExport {
			return nil, fmt.Errorf("input %s: a %s bundle; merge the original exports instead", p, v.manifest.Kind)
		}
		inputs = append(inputs, &mergeInput{path: p, v: v})
	}
	sort.SliceStable(inputs, func(i, j int) bool { return inputs[i].chain().InstanceID < inputs[j].chain().InstanceID })
	return inputs, nil
}

func verifyInput(ctx context.Context, path string, opts *MergeOptions) (*verifier, error) {
	return verifyFile(ctx, path, VerifyOptions{PublicKeys: opts.InputKeys, Matrices: opts.Matrices, Coverage: opts.Coverage})
}

// checkClashes refuses two inputs from one instance (inputs are sorted, so
// they are neighbours).
func checkClashes(ctx context.Context, inputs []*mergeInput) error {
	for i := 1; i < len(inputs); i++ {
		a, b := inputs[i-1], inputs[i]
		if a.chain().InstanceID == b.chain().InstanceID {
			return clash(ctx, a, b)
		}
	}
	return nil
}

// clash says how two inputs of one instance relate.
func clash(ctx context.Context, a, b *mergeInput) error {
	ca, cb := a.chain(), b.chain()
	lo, hi := max(ca.FirstSeq, cb.FirstSeq), min(ca.LastSeq, cb.LastSeq)
	if ca.Count == 0 || cb.Count == 0 || lo > hi {
		return &DuplicateInstanceError{Instance: ca.InstanceID, A: a.path, B: b.path}
	}
	seq, hashA, hashB, err := firstDifference(ctx, a.path, b.path, lo, hi)
	if err != nil {
		return err
	}
	if seq != 0 {
		return &ConflictError{Instance: ca.InstanceID, A: a.path, B: b.path, Seq: seq, HashA: hashA, HashB: hashB}
	}
	return &OverlapError{Instance: ca.InstanceID, A: a.path, B: b.path, FirstSeq: lo, LastSeq: hi}
}

// firstDifference reads the records lo..hi of two bundles side by side and
// returns the first sequence number whose hashes differ (0 if none).
func firstDifference(ctx context.Context, a, b string, lo, hi uint64) (uint64, string, string, error) {
	ca, err := openCursor(a, MemberRecords)
	if err != nil {
		return 0, "", "", err
	}
	defer ca.close()
	cb, err := openCursor(b, MemberRecords)
	if err != nil {
		return 0, "", "", err
	}
	defer cb.close()
	for seq := lo; seq <= hi; seq++ {
		if ctx.Err() != nil {
			return 0, "", "", ctx.Err()
		}
		ra, err := seekSeq(ca, seq)
		if err != nil {
			return 0, "", "", err
		}
		rb, err := seekSeq(cb, seq)
		if err != nil {
			return 0, "", "", err
		}
		if ra.Hash != rb.Hash {
			return seq, ra.Hash, rb.Hash, nil
		}
	}
	return 0, "", "", nil
}

// seekSeq reads c up to the record numbered seq.
func seekSeq(c *recordCursor, seq uint64) (*evidence.Record, error) {
	for {
		rec, err := c.next()
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", c.member, err)
		}
		if rec.Seq == seq {
			return rec, nil
		}
		if rec.Seq > seq {
			return nil, fmt.Errorf("read %s: record %d not found", c.member, seq)
		}
	}
}

func mergedManifest(inputs []*mergeInput, opts *MergeOptions, matrix MatrixInfo) *Manifest {
	var sources []SourceChain
	members := []Member{memberOf(MemberMatrix, inputs[0].v.matrix)}
	for _, in := range inputs {
		s := *in.chain()
		names := sourceMembers(s.InstanceID)
		s.Records, s.Manifest, s.Signature, s.KeyID = names.Records, names.Manifest, names.Signature, in.v.keyID
		sources = append(sources, s)
		recs, _ := in.v.manifest.member(MemberRecords)
		recs.Name = s.Records
		members = append(members, memberOf(s.Manifest, in.v.rawManifest), memberOf(s.Signature, in.v.rawSig), recs)
	}
	m := newManifest(KindMerge, &Options{Signer: opts.Signer, ToolVersion: opts.ToolVersion, Now: opts.Now}, matrix, sources)
	m.Environment.AllowMixed = m.Environment.Class == evidence.ClassMixed
	m.Members = members
	return m
}

// copySource writes an input's manifest, signature and records into the
// merged bundle, hashing the records again as they are copied so an input
// changed since it was verified is caught.
func copySource(bw *bundleWriter, in *mergeInput) error {
	names := sourceMembers(in.chain().InstanceID)
	if err := bw.addBytes(names.Manifest, in.v.rawManifest); err != nil {
		return err
	}
	if err := bw.addBytes(names.Signature, in.v.rawSig); err != nil {
		return err
	}
	want, _ := in.v.manifest.member(MemberRecords)
	br, err := openBundle(in.path)
	if err != nil {
		return err
	}
	defer br.close()
	if _, err := br.skipTo(MemberRecords); err != nil {
		return err
	}
	h := sha256.New()
	if err := bw.add(names.Records, want.Size, io.TeeReader(br.tr, h)); err != nil {
		return err
	}
	if hex.EncodeToString(h.Sum(nil)) != want.SHA256 {
		return fmt.Errorf("input %s changed while it was merged", in.path)
	}
	return nil
}
