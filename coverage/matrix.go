package coverage

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

//go:embed matrix/axys-v2.yaml
var builtinMatrix []byte

// DefaultMatrixID is the id of the built-in matrix, the one a matrix file
// can extend.
const DefaultMatrixID = "axys-v2"

// Areas are the auditor's four kinds of evidence, in report order.
var Areas = [...]string{"call-traces", "state-transitions", "error-handling", "reconciliation"}

// Conditions are the program features a requirement may depend on. The
// app-events group (ConditionAppEvents) is judged only once the app sends
// events.
var Conditions = [...]string{"physical-cards", "bank-rail", "3ds", "wallets", ConditionAppEvents}

// Matrix is a compiled coverage matrix: the requirements, the rules that
// judge them, and how entity state is read from responses. It is immutable
// and safe to share between engines.
type Matrix struct {
	id, version, title string
	rt                 *routes
	entities           []entityDef
	state              []stateSource
	// trans are the transitions: state a successful call implies.
	trans   []stateSource
	aliases []aliasDef
	reqs    []requirement
	// refSlots is the number of body references the engine caches per
	// record (body.go).
	refSlots int
	// stateAt, transAt and aliasesAt index state sources, transitions and
	// aliases by endpoint (dispatch.go).
	stateAt, transAt, aliasesAt *epIndex[int]
	// eventEnts are the entities some sequence with an event step
	// follows, eventWindow the longest window of such a sequence, and
	// traceRefs[i] the body references naming entity eventEnts[i]
	// (trace.go).
	eventEnts   []int
	eventWindow time.Duration
	traceRefs   [][]callRef
	// lint holds what matrix check warns about (lint.go).
	lint      []LintWarning
	canonical []byte
	sha       string
}

// Requirement describes one requirement of a matrix.
type Requirement struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	// Area is one of Areas.
	Area string `json:"area"`
	// Basis says where the requirement comes from: "test-matrix row 2",
	// "launch checklist L7", "error-code list", "inferred C12", ….
	Basis string `json:"basis"`
	// Conditional is one of Conditions, or empty when every program needs
	// the requirement.
	Conditional string `json:"conditional,omitempty"`
	// Kind is the kind of its rule (call, sequence, retry, poll, paged,
	// all, any, requires).
	Kind string `json:"kind"`
	// Steps are the commands that produce the evidence.
	Steps []string `json:"steps"`
}

type requirement struct {
	Requirement
	rule   ruleSpec
	forbid []*callMatcher
}

// ID returns the matrix's id.
func (m *Matrix) ID() string { return m.id }

// Version returns the matrix's version.
func (m *Matrix) Version() string { return m.version }

// Title returns the matrix's title.
func (m *Matrix) Title() string { return m.title }

// Ref identifies the matrix in a report.
func (m *Matrix) Ref() MatrixRef {
	return MatrixRef{ID: m.id, Version: m.version, SHA256: m.sha}
}

// Requirements returns the requirements in matrix order.
func (m *Matrix) Requirements() []Requirement {
	out := make([]Requirement, len(m.reqs))
	for i, r := range m.reqs {
		out[i] = r.Requirement
		out[i].Steps = slices.Clone(r.Steps)
	}
	return out
}

// Canonical returns the matrix as plain YAML: comments dropped and any
// extension already merged into it. ParseMatrix of these bytes gives the
// same matrix, and MatrixRef.SHA256 is their hash, so a bundle can carry
// the exact matrix its report was computed against.
func (m *Matrix) Canonical() []byte { return bytes.Clone(m.canonical) }

// DefaultMatrix returns the built-in Axys v2 matrix. It panics if the
// embedded file does not compile, which the package's tests rule out.
func DefaultMatrix() *Matrix {
	m, err := ParseMatrix(builtinMatrix)
	if err != nil {
		panic(fmt.Sprintf("coverage: built-in matrix: %v", err))
	}
	return m
}

// LoadMatrix reads a matrix file. A file with "extends: axys-v2" adds to
// the built-in matrix (replacing requirements with the same id, dropping
// those listed under drop); any other file replaces it. An empty path
// gives the built-in matrix.
func LoadMatrix(path string) (*Matrix, error) {
	if path == "" {
		return DefaultMatrix(), nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read matrix: %w", err)
	}
	m, err := ParseMatrix(data)
	if err != nil {
		return nil, fmt.Errorf("parse matrix %s: %w", path, err)
	}
	return m, nil
}

// topKeys are the keys of a matrix document.
func topKeys() []string {
	return []string{"id", "version", "title", "extends", "drop", "entities", "state", "transitions", "aliases", "requirements"}
}

// ParseMatrix parses and checks a matrix document. Unknown keys, unknown
// endpoints, areas, entities or rule kinds, duplicate ids and malformed
// predicates are errors naming their line (a *MatrixError).
func ParseMatrix(data []byte) (*Matrix, error) {
	root, err := parseDoc(data)
	if err != nil {
		return nil, err
	}
	if ext := mapGet(root, "extends"); ext != nil {
		if ext.Value != DefaultMatrixID {
			return nil, nodeErr(ext, "extends: only the built-in matrix %q can be extended, not %q", DefaultMatrixID, ext.Value)
		}
		base, err := parseDoc(builtinMatrix)
		if err != nil {
			return nil, err
		}
		own := map[*yaml.Node]bool{}
		if rn := mapGet(root, "requirements"); rn != nil {
			for _, n := range rn.Content {
				own[n] = true
			}
		}
		if root, err = extend(base, root); err != nil {
			return nil, err
		}
		return compileDoc(root, func(n *yaml.Node) bool { return own[n] })
	} else if d := mapGet(root, "drop"); d != nil {
		return nil, nodeErr(d, "drop: only a matrix that extends another can drop requirements")
	}
	return compileDoc(root, nil)
}

// parseDoc parses YAML into the document's root mapping and checks its
// top-level keys.
func parseDoc(data []byte) (*yaml.Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, yamlError(err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return nil, &MatrixError{Msg: "empty matrix document"}
	}
	root := doc.Content[0]
	if _, err := fields(root, "matrix", topKeys()...); err != nil {
		return nil, err
	}
	return root, nil
}

// yamlError turns a YAML syntax error ("yaml: line 13: did not find …")
// into a MatrixError with its line.
func yamlError(err error) *MatrixError {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		num, tail, found := strings.Cut(rest, ": ")
		if n, convErr := strconv.Atoi(num); found && convErr == nil {
			return &MatrixError{Line: n, Msg: tail}
		}
	}
	return &MatrixError{Msg: msg}
}

// extend merges ext into base: ext's id, version and title; its entities,
// state sources and aliases added; its requirements replacing those with
// the same id in place, the others appended; drop removing requirements.
func extend(base, ext *yaml.Node) (*yaml.Node, error) {
	for _, key := range []string{"id", "version"} {
		if mapGet(ext, key) == nil {
			return nil, nodeErr(ext, "matrix: %q is required", key)
		}
	}
	for _, key := range []string{"id", "version", "title"} {
		if v := mapGet(ext, key); v != nil {
			mapSet(base, key, v)
		}
	}
	if err := mergeEntities(base, ext); err != nil {
		return nil, err
	}
	for _, key := range []string{"state", "transitions", "aliases"} {
		if v := mapGet(ext, key); v != nil {
			list := mapGet(base, key)
			if v.Kind != yaml.SequenceNode {
				return nil, nodeErr(v, "%s: want a list", key)
			}
			if list == nil {
				mapSet(base, key, v)
				continue
			}
			list.Content = append(list.Content, v.Content...)
		}
	}
	if err := mergeRequirements(base, ext); err != nil {
		return nil, err
	}
	return base, nil
}

func mergeEntities(base, ext *yaml.Node) error {
	v := mapGet(ext, "entities")
	if v == nil {
		return nil
	}
	if v.Kind != yaml.MappingNode {
		return nodeErr(v, "entities: want a mapping")
	}
	ents := mapGet(base, "entities")
	for i := 0; i+1 < len(v.Content); i += 2 {
		if mapGet(ents, v.Content[i].Value) != nil {
			return nodeErr(v.Content[i], "entities: %q is already defined by %s", v.Content[i].Value, DefaultMatrixID)
		}
		ents.Content = append(ents.Content, v.Content[i], v.Content[i+1])
	}
	return nil
}

func mergeRequirements(base, ext *yaml.Node) error {
	reqs := mapGet(base, "requirements")
	index := func(id string) int {
		return slices.IndexFunc(reqs.Content, func(n *yaml.Node) bool {
			idn := mapGet(n, "id")
			return idn != nil && idn.Value == id
		})
	}
	if d := mapGet(ext, "drop"); d != nil {
		ids, err := strList(d, "drop")
		if err != nil {
			return err
		}
		for _, id := range ids {
			i := index(id)
			if i < 0 {
				return nodeErr(d, "drop: %s has no requirement %q", DefaultMatrixID, id)
			}
			reqs.Content = slices.Delete(reqs.Content, i, i+1)
		}
	}
	if v := mapGet(ext, "requirements"); v != nil {
		if v.Kind != yaml.SequenceNode {
			return nodeErr(v, "requirements: want a list")
		}
		for _, r := range v.Content {
			idn := mapGet(r, "id")
			if idn != nil && index(idn.Value) >= 0 {
				reqs.Content[index(idn.Value)] = r
				continue
			}
			reqs.Content = append(reqs.Content, r)
		}
	}
	mapDelete(base, "extends")
	mapDelete(base, "drop")
	return nil
}

// compileDoc compiles a merged document and computes its canonical form.
// own tells the requirements the matrix's author wrote (nil: all), the
// ones Lint reports on.
func compileDoc(root *yaml.Node, own func(*yaml.Node) bool) (*Matrix, error) {
	f, _ := fields(root, "matrix", topKeys()...)
	m := &Matrix{rt: newRoutes()}
	for _, p := range []struct {
		key string
		dst *string
	}{{"id", &m.id}, {"version", &m.version}, {"title", &m.title}} {
		n, err := need(f, root, "matrix", p.key)
		if err != nil {
			return nil, err
		}
		if *p.dst, err = scalar(n, p.key); err != nil {
			return nil, err
		}
	}
	if !identPattern.MatchString(m.id) {
		return nil, nodeErr(f["id"], "id: %q is not a valid id", m.id)
	}
	c := &compiler{rt: m.rt, reqIndex: map[string]int{}, own: own}
	if err := c.compileAll(f, root); err != nil {
		return nil, err
	}
	m.entities, m.state, m.trans, m.aliases, m.reqs = c.entities, c.state, c.trans, c.aliases, c.reqs
	m.lint = c.warnings
	if err := c.traceLinks(m); err != nil {
		return nil, err
	}
	m.refSlots = len(c.slots)
	m.indexWorld()
	plainNode(root)
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(root); err != nil {
		return nil, fmt.Errorf("encode matrix: %w", err)
	}
	enc.Close()
	m.canonical = buf.Bytes()
	sum := sha256.Sum256(m.canonical)
	m.sha = hex.EncodeToString(sum[:])
	return m, nil
}

func (c *compiler) compileAll(f map[string]*yaml.Node, root *yaml.Node) error {
	if err := c.compileEntities(f["entities"]); err != nil {
		return err
	}
	for _, key := range []string{"state", "transitions"} {
		if err := c.compileStateFields(f[key], key); err != nil {
			return err
		}
	}
	if err := c.compileAliases(f["aliases"]); err != nil {
		return err
	}
	var err error
	if c.state, err = c.compileState(f["state"], "state"); err != nil {
		return err
	}
	if c.trans, err = c.compileState(f["transitions"], "transitions"); err != nil {
		return err
	}
	rn, err := need(f, root, "matrix", "requirements")
	if err != nil {
		return err
	}
	if rn.Kind != yaml.SequenceNode || len(rn.Content) == 0 {
		return nodeErr(rn, "requirements: want a list of at least one requirement")
	}
	for _, n := range rn.Content {
		c.quiet = c.own != nil && !c.own(n)
		if err := c.compileRequirement(n); err != nil {
			return err
		}
	}
	c.reqID = ""
	return c.linkRequires(rn)
}
