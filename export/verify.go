package export

import (
	"archive/tar"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/evidence-proxy/evidence-proxy/provenance"
)

// VerifyOptions configure Verify.
type VerifyOptions struct {
	// PublicKeys pin the keys allowed to have signed the bundle and, in a
	// merged bundle, each of its sources: every signature must be by one
	// of them (the merger's and every source's key must be listed). Without
	// any, Verify still checks everything else, then returns
	// ErrUnauthenticated: an intact bundle proves nothing about who made
	// it.
	PublicKeys []ed25519.PublicKey
	// PublicKey is one more pinned key, as if listed in PublicKeys.
	PublicKey ed25519.PublicKey
	// Matrices rebuilds the coverage computation from the bundle's
	// embedded matrix (matrix.yaml), so no matrix is needed to verify.
	Matrices MatrixLoader
	// Coverage is used instead when Matrices is nil: its matrix must then
	// be the bundle's.
	Coverage Coverage
	// ExpectMatrix, when set, is the canonical YAML of a matrix the caller
	// expected (an explicit --matrix): when it differs from the embedded
	// one, VerifyResult.MatrixNote says so. The embedded matrix is used
	// either way.
	ExpectMatrix []byte
}

// pinned returns every pinned key.
func (o *VerifyOptions) pinned() []ed25519.PublicKey {
	keys := slices.Clone(o.PublicKeys)
	if o.PublicKey != nil {
		keys = append(keys, o.PublicKey)
	}
	return keys
}

// Verify checks the bundle at path: that it is a zstd tar holding exactly
// the expected members, each once; that manifest.sig is a DSSE envelope
// over manifest.json signed by a pinned key (or, with none pinned, by the
// manifest's own key); that matrix.yaml is the matrix the manifest names;
// that every member has the size and SHA-256 the manifest lists; that
// every chain of records is gap-free, every record in canonical form and
// every chain hash recomputes (evidence.Record.Check) from the manifest's
// prev_hash to its chain head, with the manifest's counts; that every
// record that reached an upstream reached one of its source's provenance
// origins, and the provenance derived again from the records is the one
// the manifest states (calls, times, certificates, classes); that in a
// merged bundle every source's own manifest and signature verify and
// match; and that the coverage reports (recomputed from the embedded
// matrix) and the HAR derived again from the records are byte-identical
// to the bundle's. Any failure returns an error matching ErrInvalidBundle
// whose type (FormatError, MemberError, RecordError, SignatureError) and
// text say exactly what is wrong.
//
// When every check passes but no key was pinned, Verify returns the result
// and ErrUnauthenticated. Only a nil error means verified.
//
// Verify streams: memory does not grow with the number of records. It never
// panics on malformed input.
func Verify(ctx context.Context, path string, opts VerifyOptions) (*VerifyResult, error) {
	if opts.Coverage == nil && opts.Matrices == nil {
		return nil, fmt.Errorf("verify %s: %w", path, ErrNoCoverage)
	}
	v, err := verifyFile(ctx, path, opts)
	if err != nil {
		return nil, fmt.Errorf("verify %s: %w", path, err)
	}
	res := v.result()
	if !res.Authenticated {
		return res, fmt.Errorf("verify %s: %w", path, ErrUnauthenticated)
	}
	return res, nil
}

// verifyFile runs every check of Verify and returns the verifier's state.
func verifyFile(ctx context.Context, path string, opts VerifyOptions) (*verifier, error) {
	v := &verifier{path: path, opts: opts, pinned: opts.pinned(), small: map[string][]byte{}}
	if err := v.run(ctx); err != nil {
		return nil, err
	}
	return v, nil
}

type verifier struct {
	path     string
	opts     VerifyOptions
	pinned   []ed25519.PublicKey
	manifest *Manifest
	keyID    string
	// rawManifest, rawSig and matrix are manifest.json, manifest.sig and
	// matrix.yaml as read.
	rawManifest, rawSig, matrix []byte
	// coverage computes against the embedded matrix; matrixDiff says how it
	// differs from the built-in one.
	coverage   Coverage
	matrixDiff MatrixDiff
	// attachments are those the bundle carries, in order; base is the
	// coverage computation before they were attached.
	attachments []Attachment
	base        Coverage
	// small holds the members kept whole: coverage reports, source
	// manifests and signatures.
	small map[string][]byte
	// cov, har and tally are the single-source derivations, fed during the
	// read.
	cov   CoverageRun
	har   *harDigest
	tally *provenance.Tally
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
	if err := v.readMatrix(br); err != nil {
		return err
	}
	if err := v.readAttachments(br); err != nil {
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
	if len(v.pinned) > 0 {
		if v.keyID, err = verifyPinned(MemberSignature, sig, manifest, v.pinned); err != nil {
			return err
		}
	}
	m, err := decodeManifest(MemberManifest, manifest)
	if err != nil {
		return err
	}
	if len(v.pinned) == 0 {
		pub := embeddedKey(m.Signer)
		if err := verifyManifestSig(MemberSignature, sig, manifest, pub); err != nil {
			return err
		}
		v.keyID = KeyID(pub)
	}
	v.manifest = m
	v.rawManifest, v.rawSig = manifest, sig
	return nil
}

// readMatrix reads matrix.yaml, which follows the signature, checks it
// against the manifest and builds the coverage computation over it.
func (v *verifier) readMatrix(br *bundleReader) error {
	data, err := readNamed(br, MemberMatrix, maxMatrix)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(data)
	if got := hex.EncodeToString(sum[:]); got != v.manifest.Matrix.SHA256 {
		return &MemberError{Member: MemberMatrix, Reason: "SHA-256 " + shortHash(got) + "… does not match the manifest's matrix " +
			v.manifest.Matrix.ID + " " + v.manifest.Matrix.Version + " (" + shortHash(v.manifest.Matrix.SHA256) + "…)"}
	}
	v.matrix = data
	if v.opts.Matrices == nil {
		v.coverage = v.opts.Coverage
		return nil
	}
	if v.coverage, v.matrixDiff, err = v.opts.Matrices.LoadMatrix(data); err != nil {
		return &MemberError{Member: MemberMatrix, Reason: "not a valid matrix", Err: err}
	}
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
		v.cov = v.coverage.New()
		v.tally = provenance.NewTally(m.Sources[0].Provenance)
		var err error
		if v.har, err = newHARDigest(m.Tool.Version); err != nil {
			return err
		}
	}
	seen := v.readSoFar()
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
