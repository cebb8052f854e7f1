package bundlecov

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/evidence-proxy/evidence-proxy/contract"
	"github.com/evidence-proxy/evidence-proxy/coverage"
	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/evidence-proxy/evidence-proxy/export"
	"github.com/evidence-proxy/evidence-proxy/golive"
)

const stagingURL = "https://staging.api.axyscards.com/v2"

// holderBody is a documented POST /cardholders body but for its calling
// code: one digit where the description wants three.
const holderBody = `{"firstName":"Jordan","lastName":"Reyes","emailAdr":"jordan@example.com","gender":0,"nationality":"American","placeOfBirth":"USA","dob":"1990-05-14","adrLine1":"123 Market Street","city":"San Francisco","state":"CA","country":"US","zipCode":"94105","callingCode":"1","cellNum":"4155550100","countryCallingCode":"US"}`

// testRecords are three sealed calls: a cardholder created with a calling
// code the description refuses (accepted by the API anyway), a list read
// by a test script, and a read with an unknown body field.
func testRecords(t testing.TB) []*evidence.Record {
	t.Helper()
	t0 := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	json := http.Header{"Content-Type": {"application/json"}}
	mk := func(seq uint64, method, path, body string, hdr http.Header, status int, resp string) *evidence.Record {
		rec := &evidence.Record{V: evidence.Version, Seq: seq, Kind: evidence.KindCall, Time: t0.Add(time.Duration(seq) * time.Second),
			Request: evidence.Request{Method: method, URL: stagingURL + path, Header: hdr.Clone()}}
		if body != "" {
			rec.Request.Body = evidence.NewBody([]byte(body), int64(len(body)), false)
		}
		rec.Response = &evidence.Response{Status: status, Header: json.Clone(), Body: evidence.NewBody([]byte(resp), int64(len(resp)), false)}
		return rec
	}
	script := http.Header{golive.ScriptHeader: {"row-1"}, "User-Agent": {"evidence-proxy-script/test (row-1)"}}
	recs := []*evidence.Record{
		mk(1, "POST", "/cardholders", holderBody, json, 200, `{"status":"success","cardholderId":10001}`),
		mk(2, "GET", "/cardholders", "", script, 200, `{"status":"success","items":[],"total":0,"limit":20,"offset":0}`),
		mk(3, "PUT", "/cardholders/10001/update", `{"callingCode":"001","a|b<i>":1}`, json, 400, `{"status":"error","message":"bad"}`),
	}
	prev := evidence.GenesisHash
	for _, r := range recs {
		if err := r.Seal(prev); err != nil {
			t.Fatal(err)
		}
		prev = r.Hash
	}
	return recs
}

type sliceSource []*evidence.Record

func (s sliceSource) Iterate(_ context.Context, from uint64, fn func(*evidence.Record) error) error {
	for _, r := range s {
		if r.Seq >= from {
			c := *r
			if err := fn(&c); err != nil {
				return err
			}
		}
	}
	return nil
}

const testChecklist = "content: axys-go-live 2026.12.1\nsetup:\n  ptr-records: {confirmed: true, note: \"set with the provider on 2026-11-30\"}\n"

func writeTestBundle(t *testing.T, atts ...export.Attachment) (string, ed25519.PrivateKey) {
	t.Helper()
	_, key, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	m := coverage.DefaultMatrix()
	out := filepath.Join(t.TempDir(), "b.tar.zst")
	_, err = export.Write(context.Background(), out, sliceSource(testRecords(t)), export.Options{
		InstanceID: "replica-a", Signer: key, Coverage: New(m), Matrix: m.Canonical(), Attachments: atts,
		Now: func() time.Time { return time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC) },
	})
	if err != nil {
		t.Fatal(err)
	}
	return out, key
}

// members reads every member of a bundle.
func members(t *testing.T, path string) map[string][]byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := zstd.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	out := map[string][]byte{}
	tr := tar.NewReader(zr)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		if out[hdr.Name], err = io.ReadAll(tr); err != nil {
			t.Fatal(err)
		}
	}
}

// TestBundleCarriesReadinessAndContract: an export through the real
// coverage, readiness and contract code carries the description, the
// content and the checklist, and renders the readiness view and the
// contract summary, which verify recomputes.
func TestBundleCarriesReadinessAndContract(t *testing.T) {
	path, key := writeTestBundle(t, export.Attachment{Name: export.MemberChecklist, Data: []byte(testChecklist)})
	res, err := export.Verify(context.Background(), path, export.VerifyOptions{PublicKey: key.Public().(ed25519.PublicKey), Matrices: Loader{}})
	if err != nil {
		t.Fatal(err)
	}
	def := contract.Default()
	if c := res.Manifest.Contract; res.Manifest.Format != export.FormatV3 || c == nil || c.Version != def.Version() || c.Title != def.Title() {
		t.Errorf("format %q, contract %+v", res.Manifest.Format, c)
	}
	ms := members(t, path)
	if !bytes.Equal(ms[export.MemberSpec], def.Bytes()) || !bytes.Equal(ms[export.MemberReadinessContent], golive.BuiltinContentYAML()) ||
		string(ms[export.MemberChecklist]) != testChecklist {
		t.Error("the attachments are not the description, content and checklist used")
	}

	var cj ContractJSON
	if err := json.Unmarshal(ms[export.MemberContract], &cj); err != nil {
		t.Fatal(err)
	}
	if s := cj.Summary; s.Calls != 3 || s.RequestViolations != 2 || s.Accepted != 1 {
		t.Errorf("contract summary: %d calls, %d request violations, %d accepted", s.Calls, s.RequestViolations, s.Accepted)
	}
	v, err := golive.ReadReadinessJSON(bytes.NewReader(ms[export.MemberReadinessJSON]))
	if err != nil {
		t.Fatal(err)
	}
	if v.Summary.Sources != "indexed" || v.Summary.SetupConfirmed != 1 || v.Checklist == "" {
		t.Errorf("readiness: sources %q, set-up confirmed %d, checklist %q", v.Summary.Sources, v.Summary.SetupConfirmed, v.Checklist)
	}
	md := string(ms[export.CoverageMD])
	for _, want := range []string{"## Audit readiness", "## Contract", "these break in production", "`request.body.callingCode`",
		"`request.body[\"a\\|b<i>\"]`", "| `POST /cardholders` |", "version 2026.12.1"} {
		if !strings.Contains(md, want) {
			t.Errorf("coverage.md lacks %q", want)
		}
	}
	if !bytes.Contains(ms[export.MemberReadinessMD], []byte("## Audit readiness")) {
		t.Error("readiness.md is not the readiness view")
	}
	// The HTML's evidence numbers link to the calls embedded at its end.
	html := string(ms[export.CoverageHTML])
	links := regexp.MustCompile(`href="#(call-\d+)"`).FindAllStringSubmatch(html, -1)
	if len(links) == 0 {
		t.Fatal("coverage.html links no evidence number to an embedded call")
	}
	for _, l := range links {
		if !strings.Contains(html, `id="`+l[1]+`"`) {
			t.Errorf("coverage.html links #%s, which it does not embed", l[1])
		}
	}
}

func TestReadReport(t *testing.T) {
	path, key := writeTestBundle(t)
	rep, m, err := ReadReport(context.Background(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Records != 3 || m.ID() != coverage.DefaultMatrixID {
		t.Errorf("report of %d records against %s", rep.Records, m.ID())
	}
	_, other, _ := ed25519.GenerateKey(nil)
	if _, _, err := ReadReport(context.Background(), path, other.Public().(ed25519.PublicKey)); !errors.Is(err, export.ErrInvalidBundle) {
		t.Errorf("another pinned key: %v", err)
	}
	if _, _, err := ReadReport(context.Background(), path, key.Public().(ed25519.PublicKey)); err != nil {
		t.Errorf("its own key: %v", err)
	}
}

func TestAttach(t *testing.T) {
	def := contract.Default()
	other := bytes.Replace(def.Bytes(), []byte(`version: "`+def.Version()+`"`), []byte(`version: "2099.1.1"`), 1)
	spec, err := contract.Parse("other.yaml", other)
	if err != nil {
		t.Fatal(err)
	}
	c := New(coverage.DefaultMatrix()).WithSpec(spec)
	cov, used, err := c.Attach([]export.Attachment{{Name: export.MemberSpec, Data: other}})
	if err != nil {
		t.Fatal(err)
	}
	if a := cov.(*attached); a.o.Spec != spec || a.Contract().Version != "2099.1.1" {
		t.Errorf("the description given with WithSpec is not reused: version %s", a.Contract().Version)
	}
	if len(used) != 2 || used[0].Name != export.MemberSpec || used[1].Name != export.MemberReadinessContent {
		t.Errorf("used %d attachments", len(used))
	}
	tests := []struct {
		name string
		att  export.Attachment
		want string
	}{
		{"checklist with an unknown item", export.Attachment{Name: export.MemberChecklist, Data: []byte("setup:\n  moon-base: {confirmed: true, note: x}\n")}, "golive-checklist.yaml: "},
		{"description that does not load", export.Attachment{Name: export.MemberSpec, Data: []byte("openapi: 3.1.0\ninfo: {title: x, version: '1'}\n")}, "load the API description"},
		{"content that does not parse", export.Attachment{Name: export.MemberReadinessContent, Data: []byte("id: x\n")}, "readiness-content.yaml: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, err := New(coverage.DefaultMatrix()).Attach([]export.Attachment{tt.att}); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

// TestSectionsRendered: every format holds the readiness and contract
// sections, escaped for it.
func TestSectionsRendered(t *testing.T) {
	p := NewPass(coverage.DefaultMatrix(), ExtrasOptions{})
	for _, r := range testRecords(t) {
		p.Observe(r)
	}
	rep, s, err := p.Report()
	if err != nil {
		t.Fatal(err)
	}
	for format, want := range map[string][]string{
		"table": {"AUDIT READINESS", "CONTRACT", "these break in production", "POST /cardholders  request.body.callingCode  pattern  1 call (1 accepted)"},
		"md":    {"## Audit readiness", "## Contract", "### Requests that break the contract", "`request.body[\"a\\|b<i>\"]`"},
		"html": {`id="audit-readiness"`, `<div class="readiness">`, `<div class="contract">`, `class="ct-production"`, "these break in production",
			"request.body[&#34;a|b&lt;i&gt;&#34;]", ".contract table {"},
	} {
		var buf bytes.Buffer
		if err := WriteReport(&buf, rep, s, format); err != nil {
			t.Fatal(err)
		}
		for _, w := range want {
			if !strings.Contains(buf.String(), w) {
				t.Errorf("%s lacks %q", format, w)
			}
		}
		if format == "html" && strings.Count(buf.String(), ">Audit readiness</h2>") != 1 {
			t.Errorf("html has the readiness title %d times", strings.Count(buf.String(), ">Audit readiness</h2>"))
		}
	}
	var buf bytes.Buffer
	if err := WriteReport(&buf, rep, s, "json"); err != nil {
		t.Fatal(err)
	}
	got, sections, err := coverage.ReadDocumentJSON(&buf)
	if err != nil {
		t.Fatal(err)
	}
	var cj ContractJSON
	if err := json.Unmarshal(sections[SectionContract], &cj); err != nil || cj.Summary.Accepted != 1 || got.Records != 3 {
		t.Errorf("json contract section: %v, %+v", err, cj.Summary)
	}
	if v, err := golive.ReadReadinessJSON(bytes.NewReader(sections[SectionReadiness])); err != nil || v.Summary.Requirements != len(rep.Requirements) {
		t.Errorf("json readiness section: %v", err)
	}
	if err := WriteReport(io.Discard, rep, s, "xml"); err == nil {
		t.Error("an unknown format is accepted")
	}
}

// TestMergeEmbedsTheFirstSourcesCalls: in a merge, the calls embedded for
// the evidence links are the first source's, whatever the order the
// sources' records come in (their sequence numbers overlap).
func TestMergeEmbedsTheFirstSourcesCalls(t *testing.T) {
	x := NewExtras(ExtrasOptions{EmbedCalls: true})
	for _, r := range []struct {
		instance string
		seq      uint64
	}{{"a", 1}, {"b", 1}, {"a", 2}, {"b", 2}, {"a", 3}} {
		x.observeFrom(r.instance, &evidence.Record{V: evidence.Version, Seq: r.seq, Kind: evidence.KindCall,
			Request: evidence.Request{Method: "GET", URL: "https://staging.api.axyscards.com/v2/cardholders"}})
	}
	if n := x.calls.Len(); n != 3 {
		t.Errorf("embedded %d calls, want the first source's 3", n)
	}
	if !x.multi {
		t.Error("a second source did not mark the computation as a merge")
	}
}
