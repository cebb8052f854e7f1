package export

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
)

// maxMatrix caps matrix.yaml.
const maxMatrix = 16 << 20

// MatrixLoader rebuilds a bundle's coverage computation from the matrix
// embedded in it, so that verify needs nothing but the bundle.
type MatrixLoader interface {
	// LoadMatrix parses canonical matrix YAML (a bundle's matrix.yaml) and
	// returns the coverage computation over it and how it differs from
	// the verifier's built-in matrix.
	LoadMatrix(canonical []byte) (Coverage, MatrixDiff, error)
}

// MatrixDiff says how a bundle's matrix differs from the verifier's
// built-in one: what a program excused itself from.
type MatrixDiff struct {
	// Base is the built-in matrix compared against; zero when unknown.
	Base MatrixInfo
	// Kept counts the built-in requirements kept unchanged; Dropped,
	// Replaced (same id, another definition) and Added name the others.
	Kept                     int
	Dropped, Replaced, Added []string
	// Sections names changes to other parts (entities, state sources, …).
	Sections []string
}

// String describes the difference in one line, e.g. "extends axys-v2
// 2026.12.1: drops C1, L5; replaces L4; adds acme-list".
func (d MatrixDiff) String() string {
	if d.Base.ID == "" {
		return "not compared with a built-in matrix"
	}
	base := d.Base.ID + " " + d.Base.Version
	var parts []string
	for _, p := range []struct {
		verb string
		ids  []string
	}{{"drops", d.Dropped}, {"replaces", d.Replaced}, {"adds", d.Added}} {
		if len(p.ids) > 0 {
			parts = append(parts, p.verb+" "+strings.Join(p.ids, ", "))
		}
	}
	parts = append(parts, d.Sections...)
	switch {
	case len(parts) == 0:
		return "the built-in matrix, unchanged"
	case d.Kept == 0:
		return "not based on the built-in " + base + " (none of its requirements kept): " + strings.Join(parts, "; ")
	default:
		return "extends " + base + ": " + strings.Join(parts, "; ")
	}
}

// checkMatrix checks that the matrix bytes to embed are the ones the
// coverage was computed against.
func checkMatrix(canonical []byte, used MatrixInfo) error {
	sum := sha256.Sum256(canonical)
	if got := hex.EncodeToString(sum[:]); got != used.SHA256 {
		return fmt.Errorf("the matrix to embed (sha256 %s…) is not the one the coverage used (%s %s, sha256 %s…)",
			shortHash(got), used.ID, used.Version, shortHash(used.SHA256))
	}
	return nil
}
