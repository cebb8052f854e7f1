package admin

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/evidence-proxy/evidence-proxy/contract"
	"github.com/evidence-proxy/evidence-proxy/coverage"
	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/evidence-proxy/evidence-proxy/recorder"
)

var callsEpoch = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// fakeRecords is a store of records held in memory, seq i at index i-1.
type fakeRecords struct{ recs []*evidence.Record }

func (f *fakeRecords) Head() (uint64, string) { return uint64(len(f.recs)), "" }

func (f *fakeRecords) Iterate(ctx context.Context, from uint64, fn func(*evidence.Record) error) error {
	for _, r := range f.recs[max(from, 1)-1:] {
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

// manyCalls are n calls: every tenth a 404 on a card, the rest reads of
// cardholder 10000+i.
func manyCalls(n int) *fakeRecords {
	f := &fakeRecords{}
	for i := 1; i <= n; i++ {
		r := &evidence.Record{V: 1, Seq: uint64(i), Kind: evidence.KindCall, Time: callsEpoch.Add(time.Duration(i) * time.Second),
			Request:  evidence.Request{Method: "GET", URL: fmt.Sprintf("https://staging.api.axyscards.com/v2/cardholders/%d", 10000+i)},
			Response: &evidence.Response{Status: 200}}
		if i%10 == 0 {
			r.Request.URL = fmt.Sprintf("https://staging.api.axyscards.com/v2/cards/%d", 8000+i)
			r.Response.Status = 404
		}
		f.recs = append(f.recs, r)
	}
	return f
}

func seqsOf(calls []coverage.CallSummary) []uint64 {
	out := []uint64{}
	for _, c := range calls {
		out = append(out, c.Seq)
	}
	return out
}

// TestLatestCalls checks that the latest matching calls come back in
// sequence order, found across blocks, with More saying whether older
// ones may match.
func TestLatestCalls(t *testing.T) {
	src := manyCalls(2500)
	tests := []struct {
		name     string
		f        coverage.CallFilter
		limit    int
		want     []uint64
		wantMore bool
	}{
		{"latest", coverage.CallFilter{}, 3, []uint64{2498, 2499, 2500}, true},
		{"filtered across blocks", coverage.CallFilter{Status: "404", ToSeq: 1500}, 3, []uint64{1480, 1490, 1500}, true},
		{"range", coverage.CallFilter{FromSeq: 5, ToSeq: 21, Endpoint: "/cards/{cardId}"}, 10, []uint64{10, 20}, false},
		{"entity", coverage.CallFilter{Entity: "10007"}, 10, []uint64{7}, false},
		{"nothing", coverage.CallFilter{Status: "500"}, 10, []uint64{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := LatestCalls(context.Background(), src, tt.f, tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(seqsOf(got.Calls), tt.want); diff != "" {
				t.Errorf("calls (-got +want):\n%s", diff)
			}
			if got.More != tt.wantMore || got.Head != 2500 {
				t.Errorf("more %v head %d, want more %v head 2500", got.More, got.Head, tt.wantMore)
			}
		})
	}
}

func TestCallQueryRoundTrip(t *testing.T) {
	f := coverage.CallFilter{FromSeq: 3, ToSeq: 90, Window: evidence.Window{Since: callsEpoch, Until: callsEpoch.Add(time.Hour)},
		Kind: "all", Method: "PUT", Endpoint: "/cards/*", Status: "4xx,none", Entity: "8001"}
	got, limit, err := ParseCallQuery(CallQuery(f, 25), callsEpoch)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(got, f); diff != "" || limit != 25 {
		t.Errorf("round trip (-got +want), limit %d:\n%s", limit, diff)
	}
	if _, limit, _ := ParseCallQuery(url.Values{}, callsEpoch); limit != DefaultCallLimit {
		t.Errorf("default limit %d", limit)
	}
	rel, _, err := ParseCallQuery(url.Values{"since": {"2h"}}, callsEpoch)
	if err != nil || !rel.Window.Since.Equal(callsEpoch.Add(-2*time.Hour)) {
		t.Errorf("relative since: %v %v", rel.Window, err)
	}
	for _, q := range []string{"from=x", "from=0", "limit=0", "limit=5000", "since=soon", "status=2x", "endpoint=/nope", "from=9&to=3"} {
		v, _ := url.ParseQuery(q)
		if _, _, err := ParseCallQuery(v, callsEpoch); err == nil {
			t.Errorf("%s accepted", q)
		}
	}
}

// storeWithSecrets records calls carrying secrets through a real store,
// which redacts them before anything is written, and returns it with the
// secrets.
func storeWithSecrets(t *testing.T) (*recorder.Store, []string) {
	t.Helper()
	red, err := recorder.NewRedactor([]byte("0123456789abcdef0123456789abcdef"), recorder.RedactOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := recorder.Open(t.TempDir()+"/evidence.db", recorder.Options{Redactor: red})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(context.Background()) })
	const key, pan, cvv = "sk_live_planted_4242", "4111111111111111", "737"
	rec := &evidence.Record{Kind: evidence.KindCall, Time: callsEpoch,
		Request: evidence.Request{Method: "PUT", URL: "https://staging.api.axyscards.com/v2/cards/8001/activate",
			Header: http.Header{"X-Api-Key": {key}, "Content-Type": {"application/json"}},
			Body:   evidence.NewBody([]byte(`{"cardNumber":`+pan+`,"cvv":"`+cvv+`","expMonth":5}`), 60, false)},
		Response: &evidence.Response{Status: 200, Body: evidence.NewBody([]byte(`{"status":"success","<b>x</b>":1}`), 30, false)}}
	if err := s.Record(context.Background(), rec); err != nil {
		t.Fatal(err)
	}
	return s, []string{key, pan, `"cvv":"` + cvv}
}

// TestCallViewRedacted reads a call recorded with secrets back through
// /calls/{seq} in HTML and JSON: no secret is shown, the fingerprints
// are, with the chain hash and what the call is evidence for.
func TestCallViewRedacted(t *testing.T) {
	store, secrets := storeWithSecrets(t)
	_, hash := store.Head()
	report := &coverage.Report{Requirements: []coverage.RequirementResult{
		{ID: "L7", Title: "Physical card activated", Status: coverage.StatusMet, Evidence: []uint64{1}},
		{ID: "L8", Title: "Other", Status: coverage.StatusMissing}}}
	srv := httptest.NewServer(Handler(Options{Records: store, Report: func() *coverage.Report { return report }}))
	defer srv.Close()
	for _, path := range []string{"/calls/1", "/calls/1?format=json", "/calls?kind=all", "/calls?format=json"} {
		resp, body := getBody(t, srv.URL+path)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %s: %s", path, resp.Status, body)
		}
		for _, s := range secrets {
			if strings.Contains(body, s) {
				t.Errorf("%s shows the secret %q", path, s)
			}
		}
		if strings.HasPrefix(path, "/calls/1") {
			for _, want := range []string{"[redacted:", hash, "L7"} {
				if !strings.Contains(body, want) {
					t.Errorf("%s lacks %q", path, want)
				}
			}
		}
	}
	_, page := getBody(t, srv.URL+"/calls/1")
	for _, want := range []string{`href="/coverage#req-l7"`, "&lt;b&gt;x&lt;/b&gt;", "PUT https://staging.api.axyscards.com/v2/cards/8001/activate"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(page, "L8") {
		t.Error("a requirement whose evidence does not name the call is listed")
	}
	_, js := getBody(t, srv.URL+"/calls/1?format=json")
	var d CallDetail
	if err := json.Unmarshal([]byte(js), &d); err != nil || d.Record.Hash != hash || len(d.EvidenceFor) != 1 {
		t.Errorf("JSON detail %+v: %v", d, err)
	}
}

func TestCallsHandler(t *testing.T) {
	srv := httptest.NewServer(Handler(Options{Records: manyCalls(30)}))
	defer srv.Close()
	tests := []struct {
		path, want string
		status     int
	}{
		{"/calls?status=404&limit=2", `href="/calls/30">#30</a>`, 200},
		{"/calls?status=404&format=json&limit=2", `"seq": 20`, 200},
		{"/calls/7", "Record #7", 200},
		{"/calls/31", "the store holds 1–30", 404},
		{"/calls/x", `"x" is not a sequence number`, 400},
		{"/calls?status=9xx", `status "9xx"`, 400},
	}
	for _, tt := range tests {
		resp, body := getBody(t, srv.URL+tt.path)
		if resp.StatusCode != tt.status || !strings.Contains(body, tt.want) {
			t.Errorf("%s: %s, want %d with %q:\n%.400s", tt.path, resp.Status, tt.status, tt.want, body)
		}
		if tt.status == 200 && !strings.Contains(tt.path, "json") && resp.Header.Get("Content-Security-Policy") != PageCSP {
			t.Errorf("%s: CSP %q", tt.path, resp.Header.Get("Content-Security-Policy"))
		}
	}
	_, page := getBody(t, srv.URL+"/calls?status=404")
	if i, j := strings.Index(page, "#30<"), strings.Index(page, "#20<"); i < 0 || j < 0 || i > j {
		t.Error("the HTML list is not newest first")
	}
	if !strings.Contains(page, `value="404"`) {
		t.Error("the filter form does not keep the status given")
	}
}

// TestIndex checks the admin root lists what the listener serves and says
// which paths need the token.
func TestIndex(t *testing.T) {
	o := Options{Records: manyCalls(1), Coverage: func(io.Writer, string) error { return nil }, CAPEM: []byte("x")}
	for _, token := range []string{"", "s3cret"} {
		o.BearerToken = token
		srv := httptest.NewServer(Handler(o))
		req, _ := http.NewRequest("GET", srv.URL+"/", nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		srv.Close()
		page := string(b)
		for _, want := range []string{`href="/coverage"`, `href="/coverage?format=md"`, `href="/coverage?format=json"`, `href="/calls"`, `href="/healthz"`, `href="/readyz"`, `href="/ca.pem"`} {
			if !strings.Contains(page, want) {
				t.Errorf("token %q: index lacks %s", token, want)
			}
		}
		if strings.Contains(page, `href="/snapshot"`) || strings.Contains(page, `href="/metrics"`) {
			t.Errorf("token %q: index lists a path the listener does not serve", token)
		}
		tokenRows := strings.Count(page, `<span class="token">token</span></td>`)
		if (token == "") != (tokenRows == 0) || (token != "" && tokenRows != 4) {
			t.Errorf("token %q: %d paths marked as needing the token", token, tokenRows)
		}
	}
}

func getBody(t *testing.T, u string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

// TestCallPageShowsContract: with CheckCall, /calls/{seq} shows what the
// contract check found in the call (HTML and JSON); without, nothing.
func TestCallPageShowsContract(t *testing.T) {
	with := httptest.NewServer(Handler(Options{Records: manyCalls(3), CheckCall: contract.Default().Check}))
	defer with.Close()
	_, page := getBody(t, with.URL+"/calls/2")
	if !strings.Contains(page, `<section class="panel" id="contract">`) || !strings.Contains(page, "<code>response.body</code>") {
		t.Errorf("the call page shows no contract finding:\n%s", page)
	}
	_, js := getBody(t, with.URL+"/calls/2?format=json")
	if !strings.Contains(js, `"contract": {`) || !strings.Contains(js, `"field": "response.body"`) {
		t.Errorf("the call's JSON has no contract finding:\n%s", js)
	}
	without := httptest.NewServer(Handler(Options{Records: manyCalls(3)}))
	defer without.Close()
	if _, page := getBody(t, without.URL+"/calls/2"); strings.Contains(page, `id="contract"`) {
		t.Error("a page without CheckCall shows a contract section")
	}
}
