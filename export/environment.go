package export

import (
	"fmt"
	"strings"

	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/evidence-proxy/evidence-proxy/provenance"
)

// MixedClassError is returned by Merge when the inputs' environment
// classes differ (or one is itself mixed) and MergeOptions.AllowMixed is
// not set: evidence from the emulator must not pass for staging evidence
// by being merged with it.
type MixedClassError struct {
	Inputs []InputClass
}

// InputClass is one merge input and its class.
type InputClass struct {
	Path     string
	Instance string
	Class    evidence.Class
}

func (e *MixedClassError) Error() string {
	var parts []string
	for _, in := range e.Inputs {
		parts = append(parts, fmt.Sprintf("%s (instance %s) is %s", in.Path, in.Instance, in.Class))
	}
	return "inputs of different environment classes: " + strings.Join(parts, ", ") +
		"; merge them only on purpose, with AllowMixed (--allow-mixed), and the merged bundle says so"
}

// MatrixMismatchError is returned by Merge when the inputs were computed
// against different matrices: one merged report needs one matrix.
type MatrixMismatchError struct {
	A, B       string
	MatA, MatB MatrixInfo
}

func (e *MatrixMismatchError) Error() string {
	return fmt.Sprintf("%s uses matrix %s %s (sha256 %s…) but %s uses %s %s (sha256 %s…); export them with the same matrix",
		e.A, e.MatA.ID, e.MatA.Version, shortHash(e.MatA.SHA256), e.B, e.MatB.ID, e.MatB.Version, shortHash(e.MatB.SHA256))
}

// checkMergeable refuses inputs of different matrices, and of different
// classes unless allowed.
func checkMergeable(inputs []*mergeInput, allowMixed bool) error {
	var classes []evidence.Class
	var list []InputClass
	for _, in := range inputs {
		if in.v.manifest.Matrix != inputs[0].v.manifest.Matrix {
			return &MatrixMismatchError{A: inputs[0].path, B: in.path, MatA: inputs[0].v.manifest.Matrix, MatB: in.v.manifest.Matrix}
		}
		c := in.chain().Provenance.Class
		classes = append(classes, c)
		list = append(list, InputClass{Path: in.path, Instance: in.chain().InstanceID, Class: c})
	}
	if provenance.Combine(classes...) == evidence.ClassMixed && !allowMixed {
		return &MixedClassError{Inputs: list}
	}
	return nil
}
