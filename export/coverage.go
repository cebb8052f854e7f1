package export

import (
	"fmt"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// Coverage file names, in the order they are written into a bundle.
const (
	CoverageJSON = "coverage.json"
	CoverageMD   = "coverage.md"
	CoverageHTML = "coverage.html"
)

// coverageFiles lists the coverage members of every bundle.
func coverageFiles() [3]string { return [3]string{CoverageJSON, CoverageMD, CoverageHTML} }

// Coverage computes the coverage report files over an ordered record stream.
// The export package does not know the matrix or the classifier: the caller
// injects them through this interface, and verify recomputes the report with
// it. The computation must be a pure function of the records it observes, in
// the order it observes them: equal streams must give byte-identical files.
type Coverage interface {
	// New starts a fresh computation.
	New() CoverageRun
}

// CoverageRun is one coverage computation.
type CoverageRun interface {
	// Observe feeds the next record. instance is the id of the source it
	// comes from (the bundle's only source in an export, each source in a
	// merge, where sequence numbers alone are ambiguous). The record must
	// not be retained: the caller may reuse it after Observe returns.
	Observe(instance string, rec *evidence.Record)
	// Files returns the rendered reports keyed by CoverageJSON, CoverageMD
	// and CoverageHTML, and the matrix they were computed against.
	Files() (map[string][]byte, MatrixInfo, error)
}

// MatrixInfo identifies the coverage matrix a report was computed against.
type MatrixInfo struct {
	ID      string `json:"id"`
	Version string `json:"version"`
	// SHA256 is the hex SHA-256 of the matrix's canonical bytes.
	SHA256 string `json:"sha256"`
}

// coverageOutput runs Files and checks that it returned the three report
// files and, besides, only derived members (derivedNames).
func coverageOutput(run CoverageRun) (map[string][]byte, MatrixInfo, error) {
	files, matrix, err := run.Files()
	if err != nil {
		return nil, MatrixInfo{}, fmt.Errorf("render coverage: %w", err)
	}
	if err := checkFileNames(files); err != nil {
		return nil, MatrixInfo{}, err
	}
	return files, matrix, nil
}
