package golive_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/evidence-proxy/evidence-proxy/coverage"
	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/evidence-proxy/evidence-proxy/golive"
)

func TestBuiltinContent(t *testing.T) {
	c := golive.BuiltinContent()
	var areas []string
	for _, k := range c.Kinds {
		areas = append(areas, k.Area)
	}
	if !slices.Equal(areas, coverage.Areas[:]) {
		t.Errorf("kinds %v, want the matrix areas", areas)
	}
	var setup []string
	for _, it := range c.Setup {
		setup = append(setup, it.ID)
	}
	want := []string{"production-certificate", "production-ips", "ptr-records", "card-design-slot-0", "fee-structure", "inbound-bank-credentials"}
	if !slices.Equal(setup, want) {
		t.Errorf("setup %v, want %v", setup, want)
	}
	if len(c.NotTested) != 5 {
		t.Errorf("%d behaviours not tested, want the go-live page's 5", len(c.NotTested))
	}
	if ref := c.Ref(); ref.ID != "axys-go-live" || len(ref.SHA256) != 64 {
		t.Errorf("ref %+v", ref)
	}
}

// TestChecklistTemplateParses: the template WriteChecklistTemplate writes
// is a valid checklist with every item answered no.
func TestChecklistTemplateParses(t *testing.T) {
	c := golive.BuiltinContent()
	var b bytes.Buffer
	if err := golive.WriteChecklistTemplate(&b, c); err != nil {
		t.Fatal(err)
	}
	cl, err := golive.ParseChecklist(b.Bytes(), c)
	if err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	if len(cl.Setup) != len(c.Setup) || len(cl.NotTested) != len(c.NotTested) {
		t.Errorf("%d and %d answers", len(cl.Setup), len(cl.NotTested))
	}
	for _, a := range cl.Setup {
		if a.Confirmed {
			t.Errorf("%s confirmed in the template", a.ID)
		}
	}
}

func TestParseChecklist(t *testing.T) {
	cl, err := golive.LoadChecklist(filepath.Join("testdata", "checklist", "valid.yaml"), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []golive.Confirmation{
		{ID: "production-certificate", Confirmed: true, Note: "Issued 2026-11-20 from prod-2026.csr (separate from the staging CSR); kept in the vault as axys/prod/client"},
		{ID: "production-ips", Confirmed: true, Note: "Both NAT gateways added in Account Management, ticket OPS-412"},
		{ID: "ptr-records", Note: "Waiting for the cloud provider to set the PTR records"},
		{ID: "card-design-slot-0", Confirmed: true, Note: "Approved by Axys on 2026-11-18"},
		{ID: "fee-structure", Confirmed: true, Note: "FX 2 % and ATM fees as in the signed order form"},
	}
	if d := cmp.Diff(cl.Setup, want); d != "" {
		t.Errorf("setup (-got +want):\n%s", d)
	}
	if len(cl.NotTested) != 2 || cl.NotTested[1].Note != "Returned transfers are handled by finance by hand until we have seen real ones" {
		t.Errorf("not tested: %+v", cl.NotTested)
	}
	if len(cl.SHA256) != 64 || len(cl.Raw) == 0 {
		t.Errorf("sha %q, raw %d bytes", cl.SHA256, len(cl.Raw))
	}
}

// TestParseChecklistErrors: each testdata/checklist/invalid-*.yaml is
// refused with the line at fault and a message saying what is wrong.
func TestParseChecklistErrors(t *testing.T) {
	tests := map[string]struct {
		line int
		want string
	}{
		"unknown-item":     {5, `setup: unknown item "production-firewall" (want one of production-certificate, production-ips`},
		"missing-note":     {2, "production-ips: a note is required"},
		"empty-note":       {4, "card-network: note is empty"},
		"not-a-bool":       {3, "fee-structure: confirmed must be true or false"},
		"wrong-answer-key": {3, `kyc-documents: unknown key "confirmed" (want acknowledged and note)`},
		"secret-in-note":   {4, "looks like it holds a number or a key"},
		"unknown-key":      {5, `unknown key "approver" (want content, setup or not_tested)`},
		"duplicate":        {5, `item "ptr-records" appears twice`},
		"other-content":    {1, `written for content "axys-go-live 2025.1.1"`},
		"syntax":           {1, "did not find expected key"}, // the line yaml names: where the mapping began
		"multiline-note":   {4, "note must be one line"},
	}
	files, err := filepath.Glob(filepath.Join("testdata", "checklist", "invalid-*.yaml"))
	if err != nil || len(files) != len(tests) {
		t.Fatalf("%d invalid files, %d cases (%v)", len(files), len(tests), err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), "invalid-"), ".yaml")
		t.Run(name, func(t *testing.T) {
			tt, ok := tests[name]
			if !ok {
				t.Fatalf("no case for %s", f)
			}
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			_, err = golive.ParseChecklist(data, nil)
			var ce *golive.ChecklistError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want a *ChecklistError", err)
			}
			if ce.Line != tt.line || !strings.Contains(ce.Msg, tt.want) {
				t.Errorf("line %d %q, want line %d and %q", ce.Line, ce.Msg, tt.line, tt.want)
			}
		})
	}
}

// call is a call record for the script index tests.
func call(seq uint64, tag string) *evidence.Record {
	r := &evidence.Record{Seq: seq, Kind: evidence.KindCall, Request: evidence.Request{Method: "GET", URL: "https://x/v2/cards"}}
	if tag != "" {
		r.Request.Header = map[string][]string{golive.ScriptHeader: {tag}}
	}
	return r
}

func TestScriptCalls(t *testing.T) {
	var s golive.ScriptCalls
	for i, tag := range []string{"", "row-1", "row-1", "", "E404", "<bad>", "row-1"} {
		s.Observe(call(uint64(i+1), tag))
	}
	s.Observe(&evidence.Record{Seq: 8, Kind: evidence.KindEvent})
	tests := []struct {
		seq   uint64
		tag   string
		known bool
	}{{1, "", true}, {2, "row-1", true}, {3, "row-1", true}, {4, "", true}, {5, "E404", true}, {6, "other", true}, {7, "row-1", true}, {8, "", true}, {9, "", false}}
	for _, tt := range tests {
		tag, known := s.Lookup(tt.seq)
		if tag != tt.tag || known != tt.known {
			t.Errorf("Lookup(%d) = %q, %v; want %q, %v", tt.seq, tag, known, tt.tag, tt.known)
		}
	}
	var nilIndex *golive.ScriptCalls
	if _, known := nilIndex.Lookup(1); known {
		t.Error("a nil index knows a record")
	}
}

// TestScriptCallsCap: past its cap of runs, the index says it is
// incomplete and does not claim to know later records.
func TestScriptCallsCap(t *testing.T) {
	var s golive.ScriptCalls
	seq := uint64(0)
	for s.Observe(call(seq+1, "row-1")); !s.Truncated(); {
		seq += 2
		s.Observe(call(seq, ""))
		s.Observe(call(seq+1, "row-1"))
	}
	if tag, known := s.Lookup(1); tag != "row-1" || !known {
		t.Errorf("Lookup(1) = %q, %v", tag, known)
	}
	if _, known := s.Lookup(seq + 1); known {
		t.Errorf("Lookup(%d) known past the cap", seq+1)
	}
	r := &coverage.Report{Requirements: []coverage.RequirementResult{{ID: "row-1", Area: "state-transitions", Status: coverage.StatusMet, Evidence: []uint64{1, seq + 1}}}}
	v, err := golive.BuildReadiness(r, golive.ReadinessOptions{Scripts: &s})
	if err != nil {
		t.Fatal(err)
	}
	if v.Summary.Sources != "incomplete" || v.Kinds[1].Requirements[0].Source != golive.SourceUnknown {
		t.Errorf("sources %q, row-1 from %q", v.Summary.Sources, v.Kinds[1].Requirements[0].Source)
	}
}

// fixtureReport is the report of a store without evidence, with a few
// verdicts set: row-1 met by a script, L1 met by the app, E404 met by
// both, row-2 partial, E5xx violated.
func fixtureReport(m *coverage.Matrix) *coverage.Report {
	r := coverage.NewEngine(m).Report()
	set := map[string]coverage.RequirementResult{
		"row-1": {Status: coverage.StatusMet, Evidence: []uint64{2, 3, 4, 5}},
		"L1":    {Status: coverage.StatusMet, Evidence: []uint64{1}},
		"E404":  {Status: coverage.StatusMet, Evidence: []uint64{6, 9}},
		"row-2": {Status: coverage.StatusPartial, Evidence: []uint64{7}},
		"E5xx":  {Status: coverage.StatusViolated, Evidence: []uint64{8}},
	}
	for i, q := range r.Requirements {
		if s, ok := set[q.ID]; ok {
			r.Requirements[i].Status, r.Requirements[i].Evidence = s.Status, s.Evidence
			r.Requirements[i].Explanation = "set by the test"
		}
	}
	return r
}

func fixtureScripts() *golive.ScriptCalls {
	var s golive.ScriptCalls
	for i, tag := range []string{"", "row-1", "row-1", "row-1", "row-1", "E404", "", "", ""} {
		s.Observe(call(uint64(i+1), tag))
	}
	return &s
}

func fixtureReadiness(t *testing.T) *golive.Readiness {
	t.Helper()
	cl, err := golive.LoadChecklist(filepath.Join("testdata", "checklist", "valid.yaml"), nil)
	if err != nil {
		t.Fatal(err)
	}
	v, err := golive.BuildReadiness(fixtureReport(coverage.DefaultMatrix()), golive.ReadinessOptions{Checklist: cl, Scripts: fixtureScripts()})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestBuildReadiness(t *testing.T) {
	v := fixtureReadiness(t)
	area := map[string]string{}
	for _, r := range coverage.DefaultMatrix().Requirements() {
		area[r.ID] = r.Area
	}
	sources := map[string]golive.RequirementView{}
	for _, k := range v.Kinds {
		for _, r := range k.Requirements {
			if area[r.ID] != k.Area {
				t.Errorf("%s under %s, its area is %s", r.ID, k.Area, area[r.ID])
			}
			sources[r.ID] = r
		}
	}
	if len(sources) != len(area) {
		t.Errorf("%d requirements in the view, %d in the matrix", len(sources), len(area))
	}
	for id, want := range map[string]golive.Source{"row-1": golive.SourceScript, "L1": golive.SourceApp, "E404": golive.SourceMixed, "row-2": golive.SourceApp, "E5xx": golive.SourceApp, "row-3": golive.SourceNone} {
		if got := sources[id].Source; got != want {
			t.Errorf("%s from %q, want %q", id, got, want)
		}
	}
	if got := sources["row-1"].Scripts; !slices.Equal(got, []string{"row-1"}) {
		t.Errorf("row-1 scripts %v", got)
	}
	s := v.Summary
	if s.Met != 3 || s.MetByScripts != 1 || s.MetMixed != 1 || s.Partial != 1 || s.Violated != 1 || s.SetupConfirmed != 4 || s.NotTestedAcknowledged != 2 || s.Sources != "indexed" {
		t.Errorf("summary %+v", s)
	}
	if v.Setup[5].Answered || !v.Setup[0].Confirmed || v.Setup[2].Confirmed || !v.Setup[2].Answered {
		t.Errorf("setup %+v", v.Setup)
	}
	if slices.Contains(v.Remaining, "row-1") || !slices.Contains(v.Remaining, "E5xx") || !slices.Contains(v.Remaining, "row-2") {
		t.Errorf("remaining %v", v.Remaining)
	}
	unknown, err := golive.BuildReadiness(fixtureReport(coverage.DefaultMatrix()), golive.ReadinessOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if unknown.Summary.Sources != "unknown" || unknown.Checklist != "" || unknown.Setup[0].Answered {
		t.Errorf("without index and checklist: %+v", unknown.Summary)
	}
}

// TestReadinessGolden compares the JSON, Markdown and HTML of the fixture
// view with testdata/readiness; -update rewrites them. The JSON reads
// back to the same view.
func TestReadinessGolden(t *testing.T) {
	v := fixtureReadiness(t)
	for name, write := range map[string]func(*bytes.Buffer) error{
		"readiness.json": func(b *bytes.Buffer) error { return golive.WriteReadinessJSON(b, v) },
		"readiness.md":   func(b *bytes.Buffer) error { return golive.WriteReadinessMarkdown(b, v) },
		"readiness.html": func(b *bytes.Buffer) error { return golive.WriteReadinessHTML(b, v) },
		"content.txt":    func(b *bytes.Buffer) error { return golive.WriteContent(b, golive.BuiltinContent()) },
	} {
		var b bytes.Buffer
		if err := write(&b); err != nil {
			t.Fatal(err)
		}
		compareGolden(t, filepath.Join("testdata", "readiness", name), b.Bytes())
	}
	var b bytes.Buffer
	if err := golive.WriteReadinessJSON(&b, v); err != nil {
		t.Fatal(err)
	}
	back, err := golive.ReadReadinessJSON(&b)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(back, v); d != "" {
		t.Errorf("read back (-got +want):\n%s", d)
	}
}

func compareGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (go test -update):\n%s", path, cmp.Diff(string(want), string(got)))
	}
}

// TestReadinessEscapes: a hostile title or note cannot inject markup into
// the HTML fragment, nor break the Markdown tables.
func TestReadinessEscapes(t *testing.T) {
	r := &coverage.Report{Requirements: []coverage.RequirementResult{{ID: "x", Title: "<script>alert(1)</script> | **bold**\nnew line", Area: "call-traces", Status: coverage.StatusMissing}}}
	cl := &golive.Checklist{SHA256: "abc", Setup: []golive.Confirmation{{ID: "ptr-records", Confirmed: true, Note: `<img src=x onerror=alert(1)> | "quoted"`}}}
	v, err := golive.BuildReadiness(r, golive.ReadinessOptions{Checklist: cl})
	if err != nil {
		t.Fatal(err)
	}
	var h, m bytes.Buffer
	if err := golive.WriteReadinessHTML(&h, v); err != nil {
		t.Fatal(err)
	}
	if err := golive.WriteReadinessMarkdown(&m, v); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(h.String(), "<script>") || strings.Contains(h.String(), "<img") {
		t.Errorf("HTML carries the markup:\n%s", h.String())
	}
	for _, line := range strings.Split(m.String(), "\n") {
		if strings.Contains(line, "alert(1)") && (strings.Contains(line, "<script>") || strings.Contains(line, "<img") || strings.Count(line, " | ") != strings.Count(line, "|")-2-strings.Count(line, `\|`)) {
			t.Errorf("Markdown line not escaped: %s", line)
		}
	}
}
