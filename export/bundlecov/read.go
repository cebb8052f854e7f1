package bundlecov

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"

	"github.com/evidence-proxy/evidence-proxy/coverage"
	"github.com/evidence-proxy/evidence-proxy/export"
)

// ReadReport verifies the bundle at path as export.Verify does (pub pins
// its signer; nil accepts an intact bundle whoever signed it) and returns
// the coverage report recomputed from its records and its embedded
// matrix, with that matrix: what a bundle shows, taken from the records
// rather than from its report members.
func ReadReport(ctx context.Context, path string, pub ed25519.PublicKey) (*coverage.Report, *coverage.Matrix, error) {
	var rep *coverage.Report
	var m *coverage.Matrix
	loader := Loader{OnReport: func(r *coverage.Report, mm *coverage.Matrix) { rep, m = r, mm }}
	_, err := export.Verify(ctx, path, export.VerifyOptions{PublicKey: pub, Matrices: loader})
	if err != nil && (pub != nil || !errors.Is(err, export.ErrUnauthenticated)) {
		return nil, nil, err
	}
	if rep == nil {
		return nil, nil, fmt.Errorf("read %s: no coverage report was recomputed", path)
	}
	return rep, m, nil
}
