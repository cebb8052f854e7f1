package coverage

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// testSections are sections in every placement, each with a body for
// every format, and one with a body for JSON only.
func testSections() []Section {
	return []Section{
		{ID: "provenance", Title: "Provenance", Place: PlaceTop,
			JSON:     map[string]any{"class": "emulator", "calls": 156, "note": "<not html>"},
			Markdown: "> **NOT AXYS STAGING: 156 calls to the local emulator**",
			HTML:     template.HTML(`<p class="prov-banner">NOT AXYS STAGING: 156 calls to the local emulator</p>`),
			CSS:      ".prov-banner { color: var(--violated); font-weight: 700; }",
			Text:     []string{"NOT AXYS STAGING: 156 calls to the local emulator"}},
		{ID: "readiness", Title: "Audit readiness", Place: PlaceAfterSteps,
			JSON:     json.RawMessage(`{"met":6,"of":13}`),
			Markdown: "- Requirements met: 6 of 13\n",
			HTML:     template.HTML(`<ul><li>Requirements met: 6 of 13</li></ul>`),
			Text:     []string{"requirements met: 6 of 13"}},
		{ID: "contract", Title: "Contract", Place: PlaceEnd,
			JSON:     []string{"POST /cardholders: request body: firstName: too short"},
			Markdown: "1 request finding.",
			HTML:     template.HTML(`<p>1 request finding.</p>`),
			Text:     []string{"1 request finding"}},
		{ID: "json-only", Title: "Machine data", Place: PlaceEnd, JSON: 42},
	}
}

// testCalls are summaries of calls the mixed report's evidence names.
func testCalls() []CallSummary {
	return []CallSummary{
		{Seq: 12, Time: renderEpoch.Add(time.Minute), Method: "PUT", Endpoint: "/cardholders/{cardholderId}/kyc-submit", Status: 200},
		{Seq: 220, Time: renderEpoch.Add(time.Hour), Method: "PUT", Endpoint: "/cardholders/{cardholderId}/kyc-submit", Status: 200},
		{Seq: 233, Time: renderEpoch.Add(time.Hour + 38*time.Second), Method: "PUT", Endpoint: "/cardholders/{cardholderId}/kyc-submit", Status: 409},
		{Seq: 9, Time: renderEpoch.Add(9 * time.Second), Method: "GET", Endpoint: "/cards/fees", Status: 403, Synthetic: true, ErrorKind: "guard_refused"},
	}
}

func testDocument() *Document {
	return &Document{Report: mixedReport(), Sections: testSections(), Calls: testCalls()}
}

// liveDocument is the document as the admin listener renders it.
func liveDocument() *Document {
	d := &Document{Report: mixedReport(), Sections: testSections()[:1]}
	d.Options = RenderOptions{ProxyURL: "http://127.0.0.1:18080", KeyAdded: true, CallsURL: "/calls/", Refresh: 15 * time.Second}
	return d
}

func renderDoc(t *testing.T, d *Document, format string) string {
	t.Helper()
	var buf bytes.Buffer
	if err := d.Write(&buf, format); err != nil {
		t.Fatalf("render %s: %v", format, err)
	}
	return buf.String()
}

var goldenExt = map[string]string{"json": "json", "md": "md", "html": "html", "table": "txt"}

// TestRenderDocumentGolden compares the bundle-like and the live document
// in every format with testdata/render/document-*.
func TestRenderDocumentGolden(t *testing.T) {
	for name, d := range map[string]*Document{"document-bundle": testDocument(), "document-live": liveDocument()} {
		for _, f := range Formats() {
			t.Run(name+"."+f, func(t *testing.T) {
				checkGolden(t, filepath.Join("testdata", "render", name+"."+goldenExt[f]), []byte(renderDoc(t, d, f)))
			})
		}
	}
}

// TestRenderDocumentPlacement checks, in the three human formats, that
// each section is where its placement says: top before the next steps,
// after-steps between them and the summary, end after the inventory; and
// that a section without a body for a format is not in it.
func TestRenderDocumentPlacement(t *testing.T) {
	marks := map[string][]string{ // top, next steps, after, summary, end
		"md":    {"## Provenance", "## Next steps", "## Audit readiness", "## Summary by area", "## Status distribution", "## Contract"},
		"html":  {`id="provenance"`, `id="next-steps"`, `id="readiness"`, `aria-label="Summary"`, `id="h-endpoints"`, `id="contract"`},
		"table": {"PROVENANCE", "NEXT STEPS", "AUDIT READINESS", "ID  ", "requirements met (", "CONTRACT"},
	}
	for f, want := range marks {
		t.Run(f, func(t *testing.T) {
			got := renderDoc(t, testDocument(), f)
			last := -1
			for _, m := range want {
				i := strings.Index(got, m)
				if i < 0 {
					t.Fatalf("no %q in the %s output", m, f)
				}
				if i <= last {
					t.Errorf("%q comes before what should precede it", m)
				}
				last = i
			}
			if strings.Contains(got, "Machine data") || strings.Contains(strings.ToLower(got), "machine data") {
				t.Errorf("a section with a JSON body only reached the %s output", f)
			}
		})
	}
}

// TestRenderDocumentJSON checks the sections' place in the JSON, that
// ReadDocumentJSON returns them raw, and that a report without sections
// is written exactly as before (no "sections" key).
func TestRenderDocumentJSON(t *testing.T) {
	got := renderDoc(t, testDocument(), "json")
	if !strings.HasPrefix(got, "{\n  \"sections\": {\n    \"contract\": [") {
		t.Errorf("sections are not first, in id order:\n%.300s", got)
	}
	if strings.Index(got, `"sections"`) > strings.Index(got, `"schema"`) {
		t.Error("sections come after the report's fields")
	}
	if !strings.Contains(got, `"note": "<not html>"`) {
		t.Error("a section's text was HTML-escaped, unlike the report's own")
	}
	rep, secs, err := ReadDocumentJSON(strings.NewReader(got))
	if err != nil {
		t.Fatalf("read back: %v", err)
	}
	if diff := cmp.Diff(rep, mixedReport()); diff != "" {
		t.Errorf("report read back differs (-got +want):\n%s", diff)
	}
	var ids []string
	for id := range secs {
		ids = append(ids, id)
	}
	if len(secs) != 4 || string(compactJSON(t, secs["readiness"])) != `{"met":6,"of":13}` || string(secs["json-only"]) != "42" {
		t.Errorf("sections read back: %q", secs)
	}
	if _, err := ReadJSON(strings.NewReader(got)); err != nil {
		t.Errorf("ReadJSON refused a document with sections: %v", err)
	}
	if _, err := ReadJSON(strings.NewReader(strings.Replace(got, `"sections"`, `"sectionz"`, 1))); err == nil {
		t.Error("ReadJSON accepted an unknown top-level field")
	}
	plain := renderDoc(t, &Document{Report: mixedReport()}, "json")
	if strings.Contains(plain, "sections") {
		t.Error("a report without sections has a sections key")
	}
	if live := renderDoc(t, &Document{Report: mixedReport(), Options: liveDocument().Options}, "json"); live != plain {
		t.Error("render options changed the JSON report")
	}
}

func compactJSON(t *testing.T, raw json.RawMessage) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		t.Fatalf("compact %q: %v", raw, err)
	}
	return buf.Bytes()
}

// TestRenderDocumentDeterministic renders each format twice from
// documents built separately (maps filled in another order) and wants the
// same bytes.
func TestRenderDocumentDeterministic(t *testing.T) {
	for _, f := range Formats() {
		t.Run(f, func(t *testing.T) {
			a := testDocument()
			b := testDocument()
			b.Report = rebuiltMaps(b.Report)
			b.Sections[0].JSON = map[string]any{"note": "<not html>", "calls": 156, "class": "emulator"}
			if x, y := renderDoc(t, a, f), renderDoc(t, b, f); x != y {
				t.Errorf("two renderings differ (-first +second):\n%s", cmp.Diff(x, y))
			}
		})
	}
}

// TestRenderDocumentBadSections checks that every format refuses a
// section it could not place safely, naming it.
func TestRenderDocumentBadSections(t *testing.T) {
	tests := []struct {
		name string
		s    []Section
		want string
	}{
		{"empty id", []Section{{Title: "x"}}, `id ""`},
		{"upper case", []Section{{ID: "Prov"}}, `id "Prov"`},
		{"markup in id", []Section{{ID: `x"><script>`}}, "want lower-case letters"},
		{"leading digit", []Section{{ID: "1x"}}, `id "1x"`},
		{"too long", []Section{{ID: strings.Repeat("a", 65)}}, "want lower-case"},
		{"duplicate", []Section{{ID: "a"}, {ID: "a"}}, `section "a": the id is taken`},
		{"reserved", []Section{{ID: "next-steps"}}, `section "next-steps": the id is taken`},
		{"reserved prefix", []Section{{ID: "req-row-1"}}, `section "req-row-1": the id is taken`},
		{"heading prefix", []Section{{ID: "h-areas"}}, "the id is taken"},
		{"placement", []Section{{ID: "a", Place: 7}}, "unknown placement 7"},
		{"style breakout", []Section{{ID: "a", CSS: "p{}</style><script>alert(1)</script>"}}, "CSS contains '<'"},
		{"bad JSON", []Section{{ID: "a", JSON: func() {}}}, `section "a"`},
	}
	for _, tt := range tests {
		for _, f := range Formats() {
			if tt.name == "bad JSON" && f != "json" {
				continue
			}
			t.Run(tt.name+"/"+f, func(t *testing.T) {
				d := &Document{Report: mixedReport(), Sections: tt.s}
				err := d.Write(&bytes.Buffer{}, f)
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Errorf("got error %v, want one containing %q", err, tt.want)
				}
			})
		}
	}
	if err := (&Document{}).Write(&bytes.Buffer{}, "md"); err == nil {
		t.Error("a document without a report rendered")
	}
	if err := testDocument().Write(&bytes.Buffer{}, "pdf"); err == nil || !strings.Contains(err.Error(), `"pdf"`) {
		t.Errorf("unknown format: %v", err)
	}
}

// TestRenderDocumentSectionText checks that section lines and titles are
// made safe for a terminal and the HTML title is escaped.
func TestRenderDocumentSectionText(t *testing.T) {
	d := &Document{Report: emptyReport(), Sections: []Section{{ID: "x", Title: "<b>T\x1b[31m</b>",
		Text: []string{"line\x1b[2J one", "two\rthree"}, HTML: "<p>ok</p>", Markdown: "body"}}}
	table := renderDoc(t, d, "table")
	for _, line := range strings.Split(table, "\n") {
		checkTerminalSafe(t, line)
	}
	if !strings.Contains(table, "<B>T [31M</B>\n  line [2J one\n  two three\n") {
		t.Errorf("table section:\n%s", table)
	}
	if got := renderDoc(t, d, "html"); !strings.Contains(got, `<h2 id="h-x">&lt;b&gt;T [31m&lt;/b&gt;</h2>`) {
		t.Errorf("HTML title not escaped:\n%s", got)
	}
	if got := renderDoc(t, d, "md"); !strings.Contains(got, "## \\<b\\>T \\[31m\\</b\\>\n\nbody\n") {
		t.Errorf("Markdown title not escaped:\n%s", got)
	}
}

func ExampleDocument() {
	r := &Report{Schema: ReportSchema, Summary: Summary{ByStatus: map[Status]int{}}}
	d := &Document{Report: r, Sections: []Section{{
		ID: "provenance", Title: "Provenance", Place: PlaceTop,
		JSON: map[string]string{"class": "emulator"}, Text: []string{"NOT AXYS STAGING: the local emulator"},
	}}}
	var buf bytes.Buffer
	if err := d.WriteTable(&buf); err != nil {
		fmt.Println(err)
	}
	fmt.Print(buf.String())
	// Output:
	// PROVENANCE
	//   NOT AXYS STAGING: the local emulator
	//
	// ID  STATUS  TITLE
	//
	// 0 of 0 requirements met (0%); 0 partial, 0 missing, 0 violated
}
