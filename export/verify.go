package export

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// VerifyOptions configure Verify.
type VerifyOptions struct {
	// PublicKey pins the key that must have signed the bundle. Nil means
	// the key named in the manifest itself: that proves the bundle is
	// intact and consistent, not who made it, and the verdict says "not
	// pinned".
	PublicKey ed25519.PublicKey
	// SourceKeys, when not empty, are the keys allowed to have signed the
	// sources of a merged bundle; otherwise each source is checked against
	// the key named in its own manifest.
	SourceKeys []ed25519.PublicKey
	// Coverage recomputes the coverage reports; required.
	Coverage Coverage
}

// VerifyResult describes a bundle that verified.
type VerifyResult struct {
	Manifest *Manifest
	// KeyID is the key that signed the manifest; Pinned says whether it was
	// given by the caller.
	KeyID  string
	Pinned bool
	// Verdict is a one-line summary for people.
	Verdict string
}

// Verify checks the bundle at path: that it is a zstd tar holding exactly
// the expected members, each once; that manifest.sig is a DSSE envelope
// over manifest.json signed by the pinned (or the manifest's own) key;
// that every member has the size and SHA-256 the manifest lists; that
// every chain of records is gap-free, every record in canonical form and
// every chain hash recomputes (evidence.Record.Check) from the manifest's
// prev_hash to its chain head, with the manifest's counts; that in a merged
// bundle every source's own manifest and signature verify and match; and
// that the coverage reports and the HAR derived again from the records are
// byte-identical to the bundle's. Any failure returns an error matching
// ErrInvalidBundle whose type (FormatError, MemberError, RecordError,
// SignatureError) and text say exactly what is wrong.
//
// Verify streams: memory does not grow with the number of records. It never
// panics on malformed input.
func Verify(ctx context.Context, path string, opts VerifyOptions) (*VerifyResult, error) {
	if opts.Coverage == nil {
		return nil, fmt.Errorf("verify %s: %w", path, ErrNoCoverage)
	}
	v, err := verifyFile(ctx, path, opts)
	if err != nil {
		return nil, fmt.Errorf("verify %s: %w", path, err)
	}
	return v.result(), nil
}

// verifyFile runs every check of Verify and returns the verifier's state.
func verifyFile(ctx context.Context, path string, opts VerifyOptions) (*verifier, error) {
	v := &verifier{path: path, opts: opts, small: map[string][]byte{}}
	if err := v.run(ctx); err != nil {
		return nil, err
	}
	return v, nil
}

type verifier struct {
	path     string
	opts     VerifyOptions
	manifest *Manifest
	keyID    string
	// rawManifest and rawSig are manifest.json and manifest.sig as read.
	rawManifest, rawSig []byte
	// small holds the members kept whole: coverage reports, source
	// manifests and signatures.
	small map[string][]byte
	// cov and har are the single-source derivations, fed during the read.
	cov CoverageRun
	har *harDigest
}

func (v *verifier) run(ctx context.Context) error {
	br, err := openBundle(v.path)
	if err != nil {
		return err
	}
	defer br.close()
	if err := v.readHead(br); err != nil {
		return err
	}
	if err := v.readMembers(ctx, br); err != nil {
		return err
	}
	if err := br.finish(); err != nil {
		return err
	}
	for i := range v.manifest.Sources {
		if err := v.checkSource(&v.manifest.Sources[i]); err != nil {
			return err
		}
	}
	return v.checkDerived(ctx)
}

// readHead reads manifest.json and manifest.sig, which come first, and
// checks the signature before anything else is trusted.
func (v *verifier) readHead(br *bundleReader) error {
	manifest, err := readNamed(br, MemberManifest, maxManifest)
	if err != nil {
		return err
	}
	sig, err := readNamed(br, MemberSignature, maxSignature)
	if err != nil {
		return err
	}
	if v.opts.PublicKey != nil {
		if err := verifyManifestSig(MemberSignature, sig, manifest, v.opts.PublicKey); err != nil {
			return err
		}
	}
	m, err := decodeManifest(MemberManifest, manifest)
	if err != nil {
		return err
	}
	pub := v.opts.PublicKey
	if pub == nil {
		pub = embeddedKey(m.Signer)
		if err := verifyManifestSig(MemberSignature, sig, manifest, pub); err != nil {
			return err
		}
	}
	v.manifest, v.keyID = m, KeyID(pub)
	v.rawManifest, v.rawSig = manifest, sig
	return nil
}

// readNamed reads the next member, which must be called name.
func readNamed(br *bundleReader, name string, limit int64) ([]byte, error) {
	hdr, err := br.next()
	if errors.Is(err, io.EOF) {
		return nil, &MemberError{Member: name, Reason: "missing"}
	}
	if err != nil {
		return nil, err
	}
	if hdr.Name != name {
		return nil, &MemberError{Member: hdr.Name, Reason: "found where " + name + " must be"}
	}
	return br.readMember(hdr, limit)
}

// embeddedKey decodes a signer key that validate already checked.
func embeddedKey(s Signer) ed25519.PublicKey {
	pub, _ := base64.StdEncoding.Strict().DecodeString(s.PublicKey)
	return pub
}

// readMembers reads every other member once, in any order, checking each
// against the manifest as it streams by.
func (v *verifier) readMembers(ctx context.Context, br *bundleReader) error {
	m := v.manifest
	if m.Kind == KindExport {
		v.cov = v.opts.Coverage.New()
		var err error
		if v.har, err = newHARDigest(m.Tool.Version); err != nil {
			return err
		}
	}
	seen := map[string]bool{}
	for {
		hdr, err := br.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		want, ok := m.member(hdr.Name)
		switch {
		case !ok:
			return &MemberError{Member: hdr.Name, Reason: "not listed in the manifest"}
		case seen[hdr.Name]:
			return &MemberError{Member: hdr.Name, Reason: "appears twice"}
		case hdr.Size != want.Size:
			return &MemberError{Member: hdr.Name, Reason: fmt.Sprintf("size %d, the manifest says %d", hdr.Size, want.Size)}
		}
		seen[hdr.Name] = true
		if err := v.readMember(ctx, br, hdr, want); err != nil {
			return err
		}
	}
	for _, mem := range m.Members {
		if !seen[mem.Name] {
			return &MemberError{Member: mem.Name, Reason: "missing"}
		}
	}
	return nil
}

func (v *verifier) readMember(ctx context.Context, br *bundleReader, hdr *tar.Header, want Member) error {
	h := sha256.New()
	r := io.TeeReader(br.tr, h)
	var err error
	switch src := v.sourceOf(hdr.Name); {
	case src != nil:
		err = v.readChain(ctx, r, src)
	case hdr.Name == MemberHAR:
		if _, err = io.Copy(io.Discard, r); err != nil {
			err = &MemberError{Member: hdr.Name, Reason: "read", Err: err}
		}
	default:
		var data []byte
		data, err = br.readMember(hdr, smallLimit(hdr.Name))
		h.Write(data)
		v.small[hdr.Name] = data
	}
	if err != nil {
		return err
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != want.SHA256 {
		return &MemberError{Member: hdr.Name, Reason: "SHA-256 " + shortHash(got) + "… does not match the manifest's " + shortHash(want.SHA256) + "…"}
	}
	return nil
}

// sourceOf returns the source whose records member is name.
func (v *verifier) sourceOf(name string) *SourceChain {
	for i := range v.manifest.Sources {
		if v.manifest.Sources[i].Records == name {
			return &v.manifest.Sources[i]
		}
	}
	return nil
}

func (v *verifier) readChain(ctx context.Context, r io.Reader, src *SourceChain) error {
	c := newChainChecker(src)
	var d *deriver
	if v.cov != nil {
		d = v.startDeriver(src.InstanceID)
	}
	err := c.readChain(r, func(rec *evidence.Record) error {
		if c.count%1024 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		if d != nil {
			d.in <- rec
		}
		return nil
	})
	if d != nil {
		if derr := d.wait(); err == nil {
			err = derr
		}
	}
	return err
}

// deriver recomputes coverage and the HAR on a goroutine of its own, in
// record order, while the chain is read and checked: verifying a large
// bundle uses both cores. Records are freshly decoded per line, so handing
// them over is safe.
type deriver struct {
	in   chan *evidence.Record
	done chan struct{}
	// err is the first HAR error; read it only after wait.
	err error
}

func (v *verifier) startDeriver(instance string) *deriver {
	d := &deriver{in: make(chan *evidence.Record, 1024), done: make(chan struct{})}
	go func() {
		defer close(d.done)
		for rec := range d.in {
			if d.err != nil {
				continue // drain, so the reader never blocks
			}
			v.cov.Observe(instance, rec)
			d.err = v.har.add(rec, "")
		}
	}()
	return d
}

// wait ends the input, waits for the goroutine and returns its error.
func (d *deriver) wait() error {
	close(d.in)
	<-d.done
	return d.err
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
	keys := v.opts.SourceKeys
	if len(keys) == 0 {
		keys = []ed25519.PublicKey{embeddedKey(sm.Signer)}
	}
	if err := verifyAny(s.Signature, sig, data, keys); err != nil {
		return err
	}
	fail := func(reason string) error { return &MemberError{Member: s.Manifest, Reason: reason} }
	if sm.Kind != KindExport {
		return fail("a source must be an export")
	}
	if sm.Signer.KeyID != s.KeyID {
		return fail("signed by key " + sm.Signer.KeyID + ", the merged manifest says " + s.KeyID)
	}
	if !sameChain(&sm.Sources[0], s) {
		return fail("its chain differs from the merged manifest's entry for " + s.InstanceID)
	}
	orig, _ := sm.member(MemberRecords)
	if got, _ := v.manifest.member(s.Records); got.Size != orig.Size || got.SHA256 != orig.SHA256 {
		return fail(s.Records + " is not the records member it signed")
	}
	return nil
}

// verifyAny accepts a signature by any of keys.
func verifyAny(member string, sig, data []byte, keys []ed25519.PublicKey) error {
	var err error
	for _, k := range keys {
		if err = verifyManifestSig(member, sig, data, k); err == nil {
			return nil
		}
	}
	return err
}

// sameChain compares what two manifests say about one chain.
func sameChain(a, b *SourceChain) bool {
	sameHead := (a.StoreHead == nil) == (b.StoreHead == nil) && (a.StoreHead == nil || *a.StoreHead == *b.StoreHead)
	return a.InstanceID == b.InstanceID && a.Count == b.Count && a.FirstSeq == b.FirstSeq &&
		a.LastSeq == b.LastSeq && a.FirstTime.Equal(b.FirstTime) && a.LastTime.Equal(b.LastTime) &&
		a.PrevHash == b.PrevHash && a.ChainHead == b.ChainHead && sameHead
}

// checkDerived recomputes the coverage reports and the HAR from the
// records and compares them with the bundle's.
func (v *verifier) checkDerived(ctx context.Context) error {
	m := v.manifest
	if m.Kind == KindMerge {
		if err := v.deriveMerged(ctx); err != nil {
			return err
		}
	}
	files, matrix, err := coverageOutput(v.cov)
	if err != nil {
		return err
	}
	if matrix != m.Matrix {
		return &MemberError{Member: MemberManifest, Reason: fmt.Sprintf(
			"coverage matrix %s %s (sha256 %s…) differs from this verifier's %s %s (sha256 %s…)",
			m.Matrix.ID, m.Matrix.Version, shortHash(m.Matrix.SHA256), matrix.ID, matrix.Version, shortHash(matrix.SHA256))}
	}
	for _, name := range coverageFiles() {
		if !bytes.Equal(files[name], v.small[name]) {
			return &MemberError{Member: name, Reason: "differs from the coverage recomputed from the records"}
		}
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

// deriveMerged reads the sources again side by side, in merge order.
func (v *verifier) deriveMerged(ctx context.Context) error {
	v.cov = v.opts.Coverage.New()
	var err error
	if v.har, err = newHARDigest(v.manifest.Tool.Version); err != nil {
		return err
	}
	var paths, members, instances []string
	for _, s := range v.manifest.Sources {
		paths, members, instances = append(paths, v.path), append(members, s.Records), append(instances, s.InstanceID)
	}
	return walkMerged(ctx, paths, members, instances, func(rec *evidence.Record, instance string) error {
		v.cov.Observe(instance, rec)
		return v.har.add(rec, instance)
	})
}

func (v *verifier) result() *VerifyResult {
	m := v.manifest
	pin := "not pinned"
	if v.opts.PublicKey != nil {
		pin = "pinned"
	}
	chains := make([]string, 0, len(m.Sources))
	for _, s := range m.Sources {
		if s.Count == 0 {
			chains = append(chains, s.InstanceID+": empty")
			continue
		}
		chains = append(chains, fmt.Sprintf("%s: seq %d-%d", s.InstanceID, s.FirstSeq, s.LastSeq))
	}
	verdict := fmt.Sprintf("OK: %d records (%s), chain hashes recomputed, %d members match the manifest, coverage and HAR recomputed identically; signed by key %s (%s)",
		m.Records.Count, strings.Join(chains, ", "), len(m.Members)+2, v.keyID, pin)
	if m.Kind == KindMerge {
		var keys []string
		for _, s := range m.Sources {
			keys = append(keys, s.KeyID+" ("+s.InstanceID+")")
		}
		pin = "not pinned"
		if len(v.opts.SourceKeys) > 0 {
			pin = "pinned"
		}
		verdict += fmt.Sprintf("; sources signed by %s (%s)", strings.Join(keys, ", "), pin)
	}
	return &VerifyResult{Manifest: m, KeyID: v.keyID, Pinned: v.opts.PublicKey != nil, Verdict: verdict}
}

// smallLimit caps the members verify keeps whole.
func smallLimit(name string) int64 {
	switch {
	case strings.HasSuffix(name, MemberSignature):
		return maxSignature
	case strings.HasSuffix(name, MemberManifest):
		return maxManifest
	default:
		return maxCoverage
	}
}
