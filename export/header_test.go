package export

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// hostileHeader is a header whose certificate subject and tenant were
// chosen by an upstream to break renderers and terminals.
func hostileHeader() Header {
	p := &evidence.Provenance{InstanceID: "replica-a", Class: evidence.ClassOther,
		Origins: []evidence.Origin{{Scheme: "https", Host: "h.test", Port: "443", Class: evidence.ClassOther, Calls: 2,
			Chains: []evidence.Chain{{Root: evidence.Cert{Subject: "CN=\x1b[32mAxys Root\x1b[0m", SHA256: strings.Repeat("ab", 32)},
				VerifiedBy: evidence.VerifiedByUpstreamCA, Class: evidence.ClassOther, Calls: 2}}}},
		ClientCerts: []evidence.Cert{{Subject: "CN=x", Tenant: "Acme</dd><script>alert(1)</script>| **bold** \u202eevil", SHA256: strings.Repeat("cd", 32), Calls: 2}},
	}
	return NewHeader(HeaderInput{Sources: []*evidence.Provenance{p}, Class: evidence.ClassOther,
		Records: Totals{Count: 2, FirstTime: testStart, LastTime: testStart.Add(time.Second)}})
}

func TestHeaderIsInert(t *testing.T) {
	h := hostileHeader()
	for _, l := range h.Text() {
		if strings.ContainsAny(l, "\x1b\u202e") {
			t.Errorf("terminal line keeps control characters: %q", l)
		}
	}
	got, err := AddHeader("html", []byte("<html><body class=\"x\"><p>report</p></body></html>"), h)
	if err != nil {
		t.Fatal(err)
	}
	html := string(got)
	if strings.Contains(html, "<script>") || !strings.Contains(html, "&lt;script&gt;") {
		t.Errorf("HTML header does not escape the tenant:\n%s", html)
	}
	if !strings.HasPrefix(html, "<html><body class=\"x\">\n<section class=\"provenance\" data-class=\"other\"") {
		t.Errorf("banner not right after <body>:\n%.200s", html)
	}
	md, err := AddHeader("md", []byte("# Coverage report\n"), h)
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"<script>", "| **bold**"} {
		if strings.Contains(string(md), bad) {
			t.Errorf("Markdown header keeps %q unescaped:\n%s", bad, md)
		}
	}
	if !strings.HasSuffix(string(md), "\n# Coverage report\n") || !strings.HasPrefix(string(md), "> **NOT AXYS STAGING") {
		t.Errorf("Markdown header placement:\n%s", md)
	}
}

func TestAddHeaderJSON(t *testing.T) {
	h := hostileHeader()
	for _, report := range []string{"{\n  \"schema\": \"s\",\n  \"records\": 2\n}\n", `{"a":1}`, "{}", " \n{}"} {
		got, err := AddHeader("json", []byte(report), h)
		if err != nil {
			t.Fatal(err)
		}
		var v struct {
			Provenance Header `json:"provenance"`
		}
		if err := json.Unmarshal(got, &v); err != nil {
			t.Fatalf("report %q with its header is not JSON: %v\n%s", report, err, got)
		}
		if v.Provenance.Class != evidence.ClassOther || !strings.HasPrefix(v.Provenance.Warning, "NOT AXYS STAGING") {
			t.Errorf("header read back: %+v", v.Provenance)
		}
	}
	for _, bad := range []string{"[1,2]", "", "null"} {
		if _, err := AddHeader("json", []byte(bad), h); err == nil {
			t.Errorf("AddHeader accepted a JSON report %q that is not an object", bad)
		}
	}
	if _, err := AddHeader("pdf", nil, h); err == nil {
		t.Error("AddHeader accepted an unknown format")
	}
}

// TestHeaderLines: the environment line first, then who recorded, keys,
// sidecar, window, matrix; the window says what was asked.
func TestHeaderLines(t *testing.T) {
	recs, prov := classedChain(t, evidence.ClassAxysStaging, "replica-a", 6, testStart)
	opts := testOptions("replica-a", "key-a")
	opts.Provenance, opts.Since = prov, testStart.Add(time.Second)
	path := mustWrite(t, t.TempDir(), "b.tar.zst", recs, opts)
	res, err := Verify(t.Context(), path, verifyOpts())
	if err != nil {
		t.Fatal(err)
	}
	var labels []string
	for _, l := range res.Header.Lines {
		labels = append(labels, l.Label)
	}
	if got := strings.Join(labels, ","); got != "environment,recorded by,api keys,sidecar,window,matrix" {
		t.Errorf("labels = %s", got)
	}
	lines := res.Header.Text()
	if !strings.HasPrefix(lines[0], "environment  axys-staging: 3 calls to https://staging.api.axyscards.com:443, chain verified against the system trust store") || res.Header.Warning != "" {
		t.Errorf("environment line %q, warning %q", lines[0], res.Header.Warning)
	}
	if want := "window       requested 2026-03-14T09:00:01Z – open; 5 records from 2026-03-14T09:00:01Z to 2026-03-14T09:00:05Z"; lines[4] != want {
		t.Errorf("window line = %q, want %q", lines[4], want)
	}
	if !strings.Contains(lines[1], `Tenant "evidence-proxy", no Program (no OU)`) {
		t.Errorf("recorded-by line = %q", lines[1])
	}
}
