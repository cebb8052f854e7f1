package export

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
)

// VerifyResult describes a bundle whose every check passed. Only when
// Authenticated (Verify returned no error) is it verified.
type VerifyResult struct {
	Manifest *Manifest
	// KeyID is the key that signed the manifest.
	KeyID string
	// Authenticated says every signature is by a pinned key; Pinned is the
	// same (kept for older callers).
	Authenticated bool
	Pinned        bool
	// Header is the provenance in a few lines (the coverage reports start
	// with the same).
	Header Header
	// Matrix says how the embedded matrix differs from the verifier's
	// built-in one (zero without VerifyOptions.Matrices).
	Matrix MatrixDiff
	// MatrixNote says that VerifyOptions.ExpectMatrix differs from the
	// embedded matrix, which was used; empty otherwise.
	MatrixNote string
	// Attachments are the files the bundle carries as given (a go-live
	// result among them, which the caller checks), in bundle order.
	Attachments []Attachment
	// Verdict is a one-line summary for people, starting "OK:" only when
	// verified and "UNAUTHENTICATED:" when no key was pinned.
	Verdict string
}

// Lines returns what verify prints, in order: the provenance header
// (environment first), the matrix with what it drops or replaces, the
// signers, and the verdict.
func (r *VerifyResult) Lines() []string {
	var out []string
	for _, l := range r.Header.Lines {
		text := l.Text
		if l.Label == "matrix" && r.Matrix.Base.ID != "" {
			text += ", " + r.Matrix.String()
		}
		out = append(out, fmt.Sprintf("%-12s %s", l.Label, text))
	}
	if r.MatrixNote != "" {
		out = append(out, fmt.Sprintf("%-12s %s", "", r.MatrixNote))
	}
	out = append(out, fmt.Sprintf("%-12s %s", "signed by", r.signers()))
	return append(out, r.Verdict)
}

func (r *VerifyResult) signers() string {
	pin := "pinned"
	if !r.Authenticated {
		pin = "NOT PINNED: anyone could have made this bundle"
	}
	text := "key " + r.KeyID
	m := r.Manifest
	if m.Kind == KindMerge {
		var keys []string
		for _, s := range m.Sources {
			keys = append(keys, s.KeyID+" ("+s.InstanceID+")")
		}
		text += " (merger); sources " + strings.Join(keys, ", ")
	}
	return text + " (" + pin + ")"
}

func (v *verifier) result() *VerifyResult {
	m := v.manifest
	authenticated := len(v.pinned) > 0
	res := &VerifyResult{Manifest: m, KeyID: v.keyID, Authenticated: authenticated, Pinned: authenticated,
		Header: m.Header(), Matrix: v.matrixDiff, Attachments: v.attachments}
	if len(v.opts.ExpectMatrix) > 0 {
		sum := sha256.Sum256(v.opts.ExpectMatrix)
		if got := hex.EncodeToString(sum[:]); got != m.Matrix.SHA256 {
			res.MatrixNote = fmt.Sprintf("the matrix given (sha256 %s…) is not the bundle's; the embedded %s %s was used",
				shortHash(got), m.Matrix.ID, m.Matrix.Version)
		}
	}
	chains := make([]string, 0, len(m.Sources))
	for _, s := range m.Sources {
		if s.Count == 0 {
			chains = append(chains, s.InstanceID+": empty")
			continue
		}
		chains = append(chains, fmt.Sprintf("%s: seq %d-%d", s.InstanceID, s.FirstSeq, s.LastSeq))
	}
	facts := fmt.Sprintf("%d records (%s), chain hashes recomputed, %d members match the manifest, %s recomputed identically",
		m.Records.Count, strings.Join(chains, ", "), len(m.Members)+2, recomputedParts(m))
	if authenticated {
		res.Verdict = fmt.Sprintf("OK: %s; %s: signed by %s", m.Environment.Class, facts, res.signers())
	} else {
		res.Verdict = fmt.Sprintf("UNAUTHENTICATED: %s; %s, but signed by key %s, which no pinned key (--pubkey) vouches for: anyone could have made this bundle",
			m.Environment.Class, facts, v.keyID)
	}
	return res
}
