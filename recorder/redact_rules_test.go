package recorder

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

func TestBuiltInRulesParse(t *testing.T) {
	rules := DefaultRedactRules()
	if len(rules.Families) < 8 || len(rules.Headers) != 5 || len(rules.PathFields) != 1 {
		t.Errorf("built-in rules: %d families, %d headers, %d path fields", len(rules.Families), len(rules.Headers), len(rules.PathFields))
	}
	for _, name := range RedactPresets() {
		if _, err := RedactPreset(name); err != nil {
			t.Errorf("preset %s: %v", name, err)
		}
	}
	if _, err := RedactPreset("gdpr"); err == nil || !strings.Contains(err.Error(), "pii") {
		t.Errorf("unknown preset: err = %v, want one naming the known presets", err)
	}
}

// TestInvalidRules: every testdata/redact/invalid-*.yaml is refused with
// an error naming the file and the line at fault.
func TestInvalidRules(t *testing.T) {
	want := map[string]string{
		"invalid-unknown-key.yaml":      "line 2: field feilds not found",
		"invalid-bad-regex.yaml":        "line 5: pattern: error parsing regexp",
		"invalid-bad-path.yaml":         "line 3: json path \"$..ssn\"",
		"invalid-bad-index.yaml":        "line 2: json path \"$.items[x].ssn\": bad index [x]",
		"invalid-empty-name.yaml":       "line 3: empty value",
		"invalid-not-a-list.yaml":       "line 1: cannot unmarshal",
		"invalid-no-pattern.yaml":       "line 2: pattern \"forgot the pattern\" has no pattern",
		"invalid-family-no-names.yaml":  "line 2: family \"empty\" has no names",
		"invalid-two-documents.yaml":    "one YAML document expected",
		"invalid-punctuation-name.yaml": "line 2: name \"[]\" has no letter or digit",
		"invalid-nested-key.yaml":       "line 4: field exept not found",
	}
	files, err := filepath.Glob(filepath.Join("testdata", "redact", "invalid-*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(want) {
		t.Errorf("%d invalid-*.yaml files, %d expectations", len(files), len(want))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			_, err := LoadRedactRules(f)
			sub, ok := want[filepath.Base(f)]
			switch {
			case !ok:
				t.Fatalf("no expectation for %s (err %v)", f, err)
			case err == nil:
				t.Fatal("accepted")
			case !strings.Contains(err.Error(), sub) || !strings.Contains(err.Error(), f):
				t.Errorf("err = %v\nwant it to name %s and contain %q", err, f, sub)
			}
		})
	}
}

func TestParseRedactRulesEmpty(t *testing.T) {
	rules, err := ParseRedactRules(nil, "empty.yaml")
	if err != nil || len(rules.Fields)+len(rules.Families) != 0 {
		t.Errorf("empty file: %+v, %v", rules, err)
	}
	if _, err := LoadRedactRules(filepath.Join(t.TempDir(), "missing.yaml")); err == nil {
		t.Error("a missing file was accepted")
	}
}

// TestProgramRules applies testdata/redact/program.yaml: every kind of
// rule replaces what it names, by a fingerprint that keeps equal values
// correlatable, and leaves the rest alone.
func TestProgramRules(t *testing.T) {
	rules, err := LoadRedactRules(filepath.Join("testdata", "redact", "program.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	r := newTestRedactor(t, RedactOptions{Rules: []*RedactRules{rules}})
	fp := r.Fingerprint
	q := func(s string) string { return `"` + fp(s) + `"` }
	body := `{"merchantSecretRef":"m1","cardholder":{"ssn":"078-05-1120","name":"A"},"ssn":"kept",` +
		`"items":[{"account":"ac1","id":1},{"account":{"n":"ac2"},"id":2}],"user.ssn":"u1","accounts":[{"number":"n0"},{"number":"n1"}],` +
		`"note":"voucher VCH-123456 used","v":"VCH-123456","rewardPin":"77","loyalty_member_number":"L9"}`
	want := `{"merchantSecretRef":` + q("m1") + `,"cardholder":{"ssn":` + q("078-05-1120") + `,"name":"A"},"ssn":"kept",` +
		`"items":[{"account":` + q("ac1") + `,"id":1},{"account":{"n":` + q("ac2") + `},"id":2}],"user.ssn":` + q("u1") + `,"accounts":[{"number":"n0"},{"number":` + q("n1") + `}],` +
		`"note":"voucher ` + fp("VCH-123456") + ` used","v":` + q("VCH-123456") + `,"rewardPin":` + q("77") + `,"loyalty_member_number":` + q("L9") + `}`
	rec := &evidence.Record{Request: evidence.Request{
		Method: "POST",
		URL:    "/v2/vouchers/redeem?sessionRef=s1&code=C-1&other=1",
		Header: http.Header{"X-Partner-Signature": {"sig"}, "Content-Type": {"application/json"}},
		Body:   evidence.NewBody([]byte(body), int64(len(body)), false),
	}}
	r.Redact(rec)
	if diff := cmp.Diff(want, rec.Request.Body.Text); diff != "" {
		t.Errorf("body (-want +got):\n%s", diff)
	}
	if want := "/v2/vouchers/redeem?sessionRef=" + fp("s1") + "&code=" + fp("C-1") + "&other=1"; rec.Request.URL != want {
		t.Errorf("url = %s, want %s", rec.Request.URL, want)
	}
	if got := rec.Request.Header.Get("X-Partner-Signature"); got != fp("sig") {
		t.Errorf("header = %s", got)
	}
	// Query-only names are not JSON fields; path fields need their path.
	other := &evidence.Record{Request: evidence.Request{URL: "/v2/cards?code=C-1",
		Body: evidence.NewBody([]byte(`{"sessionRef":"s1","code":"C-1"}`), 0, false)}}
	r.Redact(other)
	if other.Request.URL != "/v2/cards?code=C-1" || other.Request.Body.Text != `{"sessionRef":"s1","code":"C-1"}` {
		t.Errorf("rules applied out of their scope: %s %s", other.Request.URL, other.Request.Body.Text)
	}
}

func TestParseRedactField(t *testing.T) {
	tests := []struct {
		spec string
		want RedactRules
		err  string
	}{
		{spec: "merchantRef", want: RedactRules{Fields: []string{"merchantRef"}}},
		{spec: "name:merchantRef", want: RedactRules{Fields: []string{"merchantRef"}}},
		{spec: "header:X-Partner-Key", want: RedactRules{Headers: []string{"X-Partner-Key"}}},
		{spec: "query:session", want: RedactRules{Query: []string{"session"}}},
		{spec: "form:session", want: RedactRules{Query: []string{"session"}}},
		{spec: "json:$.a.b", want: RedactRules{JSONPaths: []string{"$.a.b"}}},
		{spec: "$.a['x:y']", want: RedactRules{JSONPaths: []string{"$.a['x:y']"}}},
		{spec: "regex:VCH-[0-9]{6}", want: RedactRules{Patterns: []RedactPattern{{Name: "--redact-field", Pattern: "VCH-[0-9]{6}"}}}},
		{spec: "", err: "empty"},
		{spec: "header:", err: "empty"},
		{spec: "regex:a[", err: "missing closing ]"},
		{spec: "json:$..x", err: "recursive descent"},
		{spec: "cookie:x", err: "unknown kind"},
	}
	for _, tt := range tests {
		got, err := ParseRedactField(tt.spec)
		switch {
		case tt.err != "":
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%q: err = %v, want %q", tt.spec, err, tt.err)
			}
		case err != nil:
			t.Errorf("%q: %v", tt.spec, err)
		default:
			if diff := cmp.Diff(&tt.want, got); diff != "" {
				t.Errorf("%q (-want +got):\n%s", tt.spec, diff)
			}
		}
	}
}

func TestNewRedactorRejectsBadRules(t *testing.T) {
	for _, rules := range []*RedactRules{
		{Patterns: []RedactPattern{{Name: "x", Pattern: "("}}},
		{JSONPaths: []string{"$"}},
	} {
		if _, err := NewRedactor(testKey, RedactOptions{Rules: []*RedactRules{rules}}); err == nil {
			t.Errorf("rules %+v accepted", rules)
		}
	}
}

// TestPIIPreset redacts a POST /cardholders body with the preset: every
// personal field goes, what coverage needs stays.
func TestPIIPreset(t *testing.T) {
	pii, err := RedactPreset("pii")
	if err != nil {
		t.Fatal(err)
	}
	r := newTestRedactor(t, RedactOptions{Rules: []*RedactRules{pii}})
	body, err := os.ReadFile(filepath.Join("testdata", "redact", "cardholder.json"))
	if err != nil {
		t.Fatal(err)
	}
	rec := &evidence.Record{Request: evidence.Request{Method: "POST", URL: "/v2/cardholders",
		Body: evidence.NewBody(body, int64(len(body)), false)}}
	r.Redact(rec)
	got := rec.Request.Body.Text
	for _, personal := range []string{"Jordan", "Reyes", "jordan@example.com", "1990-05-14", "123 Market Street",
		"San Francisco", "94105", "4155550100", "USA"} {
		if strings.Contains(got, personal) {
			t.Errorf("pii preset kept %q: %s", personal, got)
		}
	}
	for _, kept := range []string{`"gender":0`, `"nationality":"American"`, `"country":"US"`, `"state":"CA"`,
		`"callingCode":"001"`, `"transactionLimit":500000`} {
		if !strings.Contains(got, kept) {
			t.Errorf("pii preset removed %s: %s", kept, got)
		}
	}
	if !strings.Contains(got, `"firstName":"`+r.Fingerprint("Jordan")+`"`) {
		t.Errorf("firstName is not the fingerprint of its value: %s", got)
	}
}
