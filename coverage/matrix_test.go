package coverage

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestInvalidMatrices maps every bad matrix file to the error it must give,
// with the line it names.
func TestInvalidMatrices(t *testing.T) {
	tests := []struct {
		file string
		line int
		want string
	}{
		{"invalid-unknown-key", 20, `unknown key "stepz"`},
		{"invalid-top-key", 4, `matrix: unknown key "requirement"`},
		{"invalid-duplicate-id", 20, `id "created" appears twice`},
		{"invalid-area", 22, `unknown area "state-changes"`},
		{"invalid-rule-kind", 25, `unknown rule kind`},
		{"invalid-template", 16, `no endpoint POST /cardholder in the catalogue`},
		{"invalid-status", 16, `bad status "7xx"`},
		{"invalid-predicate", 17, `want "<reference> <operator> [operand]"`},
		{"invalid-operand", 17, `is not a JSON literal`},
		{"invalid-entity", 30, `want <entity>.<field>`},
		{"invalid-field", 30, `no state source sets cardholder.colour`},
		{"invalid-duration", 27, `bad duration "soon"`},
		{"invalid-path-param", 17, `no path parameter {cardId}`},
		{"invalid-transition-in-when", 18, `rises only works in an observe step`},
		{"invalid-condition", 14, `unknown condition "crypto"`},
		{"invalid-no-steps", 11, `"steps" is required`},
		{"invalid-requires", 11, `requires: no requirement "nothing"`},
		{"invalid-step-key", 29, `does not name the cardholder`},
		{"invalid-extends", 1, `only the built-in matrix "axys-v2" can be extended`},
		{"invalid-drop", 1, `only a matrix that extends another can drop`},
		{"invalid-yaml", 0, `did not find expected`},
		{"invalid-id", 20, `id "approved ok" must start with a letter`},
		{"invalid-extend-drop", 4, `axys-v2 has no requirement "no-such-requirement"`},
		{"invalid-capture", 23, `no earlier step captures amont`},
		{"invalid-amount", 22, `the amount -1000 is not a positive number`},
		{"invalid-without", 24, `without: the call does not name the card`},
		{"invalid-renew", 21, `want the entity the call makes`},
		{"invalid-unkeyed-all", 14, `the part names no entity the others could share`},
		{"invalid-keyed-part", 16, `a part keyed to one card is a call, a sequence, all or any`},
		{"invalid-transition-status", 7, `only a successful call implies a state`},
		{"invalid-capture-ref", 18, `no earlier step of a sequence captures txn`},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			_, err := LoadMatrix(filepath.Join("testdata", "matrix", tt.file+".yaml"))
			if err == nil {
				t.Fatal("no error")
			}
			var me *MatrixError
			if !errors.As(err, &me) {
				t.Fatalf("error %v is not a *MatrixError", err)
			}
			if !strings.Contains(me.Msg, tt.want) {
				t.Errorf("error %q does not say %q", err, tt.want)
			}
			if tt.line > 0 && me.Line != tt.line {
				t.Errorf("error %q names line %d, want %d", err, me.Line, tt.line)
			}
			if !strings.Contains(err.Error(), tt.file+".yaml") {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}
}

// TestDefaultMatrix checks the built-in matrix covers what the audit needs.
func TestDefaultMatrix(t *testing.T) {
	m := DefaultMatrix()
	if m.ID() != DefaultMatrixID || m.Version() == "" || m.Title() == "" {
		t.Errorf("matrix %q version %q title %q", m.ID(), m.Version(), m.Title())
	}
	ids := map[string]Requirement{}
	areas := map[string]int{}
	for _, r := range m.Requirements() {
		ids[r.ID] = r
		areas[r.Area]++
		if len(r.Steps) == 0 {
			t.Errorf("%s has no steps", r.ID)
		}
	}
	var want []string
	for i := 1; i <= 9; i++ {
		want = append(want, "row-"+itoa(i))
	}
	for i := 1; i <= 18; i++ {
		want = append(want, "C"+itoa(i))
	}
	for i := 1; i <= 17; i++ {
		want = append(want, "L"+itoa(i))
	}
	want = append(want, "E400", "E401", "E403-ip", "E403-key", "E404", "E409", "E422", "E429", "E5xx", "G1")
	for _, id := range want {
		r, ok := ids[id]
		if !ok {
			t.Errorf("no requirement %s", id)
			continue
		}
		var basis string
		switch {
		case strings.HasPrefix(id, "row-"):
			basis = "test-matrix row " + strings.TrimPrefix(id, "row-")
		case id[0] == 'C':
			basis = "inferred " + id
		case id[0] == 'L':
			basis = "launch checklist " + id
		case id[0] == 'E':
			basis = "error-code list"
		case id[0] == 'G':
			basis = "going-live guard"
		}
		if r.Basis != basis {
			t.Errorf("%s: basis %q, want %q", id, r.Basis, basis)
		}
	}
	for _, a := range Areas {
		if areas[a] == 0 {
			t.Errorf("no requirement in area %s", a)
		}
	}
	for _, id := range []string{"row-9", "C1", "L5", "L6", "L11"} {
		if ids[id].Conditional != "physical-cards" {
			t.Errorf("%s: conditional %q, want physical-cards", id, ids[id].Conditional)
		}
	}
	for _, id := range []string{"L12", "L13"} {
		if ids[id].Conditional != "bank-rail" {
			t.Errorf("%s: conditional %q, want bank-rail", id, ids[id].Conditional)
		}
	}
	for _, id := range []string{"L14", "L15"} {
		if ids[id].Conditional != "wallets" {
			t.Errorf("%s: conditional %q, want wallets", id, ids[id].Conditional)
		}
	}
	if ids["L17"].Conditional != "3ds" {
		t.Errorf("L17: conditional %q, want 3ds", ids["L17"].Conditional)
	}
}

// TestCanonicalRoundTrip: the canonical form parses back to the same
// matrix, byte for byte and hash for hash.
func TestCanonicalRoundTrip(t *testing.T) {
	for _, path := range []string{"", "testdata/matrix/extend.yaml", "testdata/matrix/minimal.yaml"} {
		t.Run(filepath.Base(path), func(t *testing.T) {
			m, err := LoadMatrix(path)
			if err != nil {
				t.Fatal(err)
			}
			again, err := ParseMatrix(m.Canonical())
			if err != nil {
				t.Fatalf("canonical form does not parse: %v", err)
			}
			if !bytes.Equal(again.Canonical(), m.Canonical()) || again.Ref() != m.Ref() {
				t.Errorf("round trip changed the matrix: %+v vs %+v", again.Ref(), m.Ref())
			}
			if bytes.Contains(m.Canonical(), []byte("extends:")) || bytes.Contains(m.Canonical(), []byte("\ndrop:")) {
				t.Errorf("canonical form keeps extends or drop")
			}
			if path == "" && bytes.Contains(m.Canonical(), []byte("# Sources")) {
				t.Errorf("canonical form keeps comments")
			}
		})
	}
}

// TestExtendMatrix: extending drops, replaces in place and appends.
func TestExtendMatrix(t *testing.T) {
	m, err := LoadMatrix("testdata/matrix/extend.yaml")
	if err != nil {
		t.Fatal(err)
	}
	base := DefaultMatrix()
	if m.ID() != "acme-axys-v2" || m.Version() != "2026.11.1+acme.1" || m.Title() != base.Title() {
		t.Errorf("id %q version %q title %q", m.ID(), m.Version(), m.Title())
	}
	var ids, baseIDs []string
	for _, r := range m.Requirements() {
		ids = append(ids, r.ID)
	}
	for _, r := range base.Requirements() {
		if !slices.Contains([]string{"row-9", "C1", "L5", "L6"}, r.ID) {
			baseIDs = append(baseIDs, r.ID)
		}
	}
	if want := append(baseIDs, "acme-list"); !slices.Equal(ids, want) {
		t.Errorf("ids = %v, want %v", ids, want)
	}
	for _, r := range m.Requirements() {
		if r.ID == "L4" && !strings.Contains(r.Title, "Acme") {
			t.Errorf("L4 not replaced: %q", r.Title)
		}
	}
	if m.Ref().SHA256 == base.Ref().SHA256 {
		t.Error("extended matrix has the built-in matrix's hash")
	}
	tr := newTrace()
	tr.issueVirtual(10001, 8001, 200)
	if got := result(t, classify(t, m, tr.recs), "L4"); got.Status != StatusPartial {
		t.Errorf("L4 without an alias: %s, want partial (the replaced rule)", got.Status)
	}
}

// TestReplaceMatrix: a file without extends is the whole matrix.
func TestReplaceMatrix(t *testing.T) {
	m, err := LoadMatrix("testdata/matrix/minimal.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tr := newTrace()
	s1 := tr.call("POST", "/cardholders", 200, fullCardholder, `{"status":"success","cardholderId":10001}`)
	s2 := tr.submit(10001, 200)
	s3 := tr.holder(10001, 1)
	r := classify(t, m, tr.recs)
	if r.Matrix.ID != "mini" || len(r.Requirements) != 2 {
		t.Fatalf("report over %s with %d requirements", r.Matrix.ID, len(r.Requirements))
	}
	checkResult(t, result(t, r, "created"), StatusMet, ev(s1))
	checkResult(t, result(t, r, "approved"), StatusMet, ev(s2, s3))
}

func TestLoadMatrixErrors(t *testing.T) {
	if _, err := LoadMatrix("testdata/matrix/no-such-file.yaml"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	if _, err := ParseMatrix(nil); err == nil {
		t.Error("empty document accepted")
	}
	m, err := LoadMatrix("")
	if err != nil || m.ID() != DefaultMatrixID {
		t.Errorf("empty path: %v, %v", m, err)
	}
}

// FuzzParseMatrix: no input makes the parser panic, and what parses has a
// canonical form that parses back to itself.
func FuzzParseMatrix(f *testing.F) {
	files, _ := filepath.Glob("testdata/matrix/*.yaml")
	lints, _ := filepath.Glob("testdata/lint/*.yaml")
	for _, p := range append(files, lints...) {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("a: &x {b: 1}\nc: *x\n<<: *x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseMatrix(data)
		if err != nil {
			var me *MatrixError
			if !errors.As(err, &me) {
				t.Fatalf("error %v is not a *MatrixError", err)
			}
			return
		}
		again, err := ParseMatrix(m.Canonical())
		if err != nil || again.Ref() != m.Ref() {
			t.Fatalf("canonical form does not parse back: %v", err)
		}
		for _, w := range m.Lint() {
			if w.Line <= 0 || w.Requirement == "" {
				t.Fatalf("lint warning without a line or requirement: %v", w)
			}
		}
		NewEngine(m).Report()
	})
}

// TestExtendStateSource: an extending matrix can read a field from another
// place; its source wins over the built-in one for the same call.
func TestExtendStateSource(t *testing.T) {
	m, err := ParseMatrix([]byte(`extends: axys-v2
id: wrapped
version: "1"
state:
  - call: GET /cardholders/{cardholderId} 2xx
    entity: cardholder
    set: {status: response.body.cardholder.status}
`))
	if err != nil {
		t.Fatal(err)
	}
	tr := newTrace()
	s1 := tr.submit(10001, 200)
	s2 := tr.get("/cardholders/10001", `{"status":"success","cardholder":{"cardholderId":10001,"status":1}}`)
	checkResult(t, result(t, classify(t, m, tr.recs), "L2"), StatusMet, ev(s1, s2))
	// The built-in matrix reads the envelope's "success" and sees no approval.
	checkResult(t, result(t, classify(t, DefaultMatrix(), tr.recs), "L2"), StatusPartial, ev(s1))
}
