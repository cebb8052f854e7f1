package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/evidence-proxy/evidence-proxy/contract"
	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/evidence-proxy/evidence-proxy/internal/admin"
	"github.com/evidence-proxy/evidence-proxy/recorder"
)

var callsStart = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// callsStore records, through a real redacting store, calls the filters
// tell apart, one carrying a planted API key and escape sequences, and
// returns the store's file.
func callsStore(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	red, err := recorder.NewRedactor([]byte("0123456789abcdef0123456789abcdef"), recorder.RedactOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := recorder.Open(filepath.Join(dir, storeFile), recorder.Options{Redactor: red})
	if err != nil {
		t.Fatal(err)
	}
	api := "https://staging.api.axyscards.com/v2"
	calls := []struct {
		method, path string
		status       int
		req, resp    string
	}{
		{"POST", "/cardholders", 200, `{"firstName":"Jordan"}`, `{"status":"success","cardholderId":10001}`}, // 1
		{"GET", "/cardholders/10001", 200, "", `{"cardholderId":10001,"status":4}`},                          // 2
		{"GET", "/cardholders/999999", 404, "", `{"status":"error","message":"not found"}`},                  // 3
		{"GET", "/cards/8001", 0, "", ""}, // 4: timed out
		{"GET", "/cards/transactions?cardId=8001", 200, "", `{"status":"success","items":[],"total":0}`},     // 5
		{"PUT", "/cardholders/10001", 409, `{"lastName":"S\u001b[31m"}`, "{\"message\":\"locked \x1b[2J\"}"}, // 6
	}
	for i, c := range calls {
		rec := &evidence.Record{Kind: evidence.KindCall, Time: callsStart.Add(time.Duration(i) * time.Minute), Mode: evidence.ModeBaseURL,
			Request: evidence.Request{Method: c.method, URL: api + c.path, Header: http.Header{"X-Api-Key": {"planted-api-key-123"}},
				Body: evidence.NewBody([]byte(c.req), int64(len(c.req)), false)}}
		if c.status != 0 {
			rec.Response = &evidence.Response{Status: c.status, Header: http.Header{"Content-Type": {"application/json"}},
				Body: evidence.NewBody([]byte(c.resp), int64(len(c.resp)), false)}
		} else {
			rec.Error = &evidence.CallError{Kind: evidence.ErrTimeout, Message: "response header timeout"}
		}
		if err := s.Record(context.Background(), rec); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, storeFile)
}

func listedSeqs(t *testing.T, out string) []uint64 {
	t.Helper()
	var l callListing
	if err := json.Unmarshal([]byte(out), &l); err != nil {
		t.Fatalf("decode %q: %v", out, err)
	}
	seqs := []uint64{}
	for _, c := range l.Calls {
		seqs = append(seqs, c.Seq)
	}
	return seqs
}

// TestCallsFilters lists a store's calls through every filter flag.
func TestCallsFilters(t *testing.T) {
	db := callsStore(t)
	tests := []struct {
		args []string
		want []uint64
	}{
		{nil, []uint64{1, 2, 3, 4, 5, 6}},
		{[]string{"--seq", "2-4"}, []uint64{2, 3, 4}},
		{[]string{"--seq", "5-"}, []uint64{5, 6}},
		{[]string{"--seq", "3"}, []uint64{3}},
		{[]string{"--since", "2026-03-02T09:02:00Z", "--until", "2026-03-02T09:04:00Z"}, []uint64{3, 4}},
		{[]string{"--method", "put"}, []uint64{6}},
		{[]string{"--endpoint", "/cardholders/{cardholderId}"}, []uint64{2, 3, 6}},
		{[]string{"--endpoint", "/cards/*"}, []uint64{4, 5}},
		{[]string{"--status", "4xx"}, []uint64{3, 6}},
		{[]string{"--status", "none"}, []uint64{4}},
		{[]string{"--status", "200,409"}, []uint64{1, 2, 5, 6}},
		{[]string{"--entity", "10001"}, []uint64{1, 2, 6}},
		{[]string{"--entity", "8001"}, []uint64{4, 5}},
		{[]string{"--limit", "2"}, []uint64{5, 6}},
		{[]string{"--kind", "event"}, []uint64{}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			out, _, err := runCmd(t, append([]string{"calls", "--db", db, "--format", "json"}, tt.args...)...)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(listedSeqs(t, out), tt.want); diff != "" {
				t.Errorf("listed (-got +want):\n%s", diff)
			}
		})
	}
}

// TestCallsTable checks the table: a line per call, control characters
// gone, the count, and no secret.
func TestCallsTable(t *testing.T) {
	db := callsStore(t)
	out, _, err := runCmd(t, "calls", "--db", db)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 9 || !strings.HasPrefix(lines[0], "SEQ") || lines[8] != "6 records" {
		t.Fatalf("table:\n%s", out)
	}
	for _, want := range []string{"404", "none", "timeout", "/cardholders/{cardholderId}", "2026-03-02 09:05:00.000Z"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q", want)
		}
	}
	if strings.Contains(out, "planted-api-key") {
		t.Error("the table shows the API key")
	}
}

// TestCallsShow prints one call from a store: the redacted record, its
// chain hash, what it is evidence for; no secret, no control character.
func TestCallsShow(t *testing.T) {
	db := callsStore(t)
	store, err := recorder.OpenReadOnly(db)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := admin.FindRecord(context.Background(), store, 3)
	store.Close(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out, _, err := runCmd(t, "calls", "show", "3", "--db", db)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"record #3  call", "chain hash    " + rec.Hash, "previous hash " + rec.PrevHash,
		"> GET https://staging.api.axyscards.com/v2/cardholders/999999", "X-Api-Key: [redacted:", "< 404 Not Found", `"message":"not found"`, "E404 (met)"} {
		if !strings.Contains(out, want) {
			t.Errorf("show lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "planted-api-key") {
		t.Error("show prints the API key")
	}
	out, _, err = runCmd(t, "calls", "show", "6", "--db", db)
	if err != nil || strings.ContainsAny(out, "\x1b\x07") || !strings.Contains(out, "locked  [2J") {
		t.Errorf("show of a call carrying escapes (%v):\n%q", err, out)
	}
	out, _, err = runCmd(t, "calls", "show", "3", "--db", db, "--format", "json")
	var d admin.CallDetail
	if err != nil || json.Unmarshal([]byte(out), &d) != nil || d.Record.Hash != rec.Hash || len(d.EvidenceFor) == 0 {
		t.Errorf("show --format json (%v): %s", err, out)
	}
	if _, _, err := runCmd(t, "calls", "show", "7", "--db", db); err == nil || !strings.Contains(err.Error(), "the store holds 1–6") {
		t.Errorf("show of a record the store lacks: %v", err)
	}
	// What the contract check finds: a creation missing required fields,
	// and a read that agrees with the description.
	out, _, err = runCmd(t, "calls", "show", "1", "--db", db)
	if err != nil || !regexp.MustCompile(`contract      \d+ findings:\n  request\.body\.\w+  required  `).MatchString(out) {
		t.Errorf("show of a call breaking the contract (%v):\n%s", err, out)
	}
	out, _, err = runCmd(t, "calls", "show", "2", "--db", db)
	if err != nil || !strings.Contains(out, "contract      agrees with the description (GET /cardholders/{cardholderId})") {
		t.Errorf("show of a call keeping the contract (%v):\n%s", err, out)
	}
}

// TestCallsFrom reads a running admin listener's /calls, with its token.
func TestCallsFrom(t *testing.T) {
	db := callsStore(t)
	store, err := recorder.OpenReadOnly(db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close(context.Background())
	srv := httptest.NewServer(admin.Handler(admin.Options{Records: store, BearerToken: "adm1n-t0ken", CheckCall: contract.Default().Check}))
	defer srv.Close()
	token := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(token, []byte("adm1n-t0ken\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, _, err := runCmd(t, "calls", "--from", srv.URL, "--admin-token-file", token, "--status", "4xx", "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(listedSeqs(t, out), []uint64{3, 6}); diff != "" {
		t.Errorf("listed (-got +want):\n%s", diff)
	}
	out, _, err = runCmd(t, "calls", "show", "4", "--from", srv.URL, "--admin-token-file", token)
	if err != nil || !strings.Contains(out, "error         timeout: response header timeout") || !strings.Contains(out, "< no response") {
		t.Errorf("show --from (%v):\n%s", err, out)
	}
	if _, _, err := runCmd(t, "calls", "--from", srv.URL); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("without the token: %v", err)
	}
	if _, _, err := runCmd(t, "calls", "show", "9", "--from", srv.URL, "--admin-token-file", token); err == nil || !strings.Contains(err.Error(), "no such record") {
		t.Errorf("show of a missing record: %v", err)
	}
	// The sidecar holds the call against its own description.
	out, _, err = runCmd(t, "calls", "show", "1", "--from", srv.URL, "--admin-token-file", token)
	if err != nil || !strings.Contains(out, "findings:\n  request.body.") {
		t.Errorf("show --from of a call breaking the contract (%v):\n%s", err, out)
	}
	if _, _, err := runCmd(t, "calls", "show", "1", "--from", srv.URL, "--spec", "x.yaml"); exitCode(err) != exitUsage {
		t.Errorf("--spec with --from: %v", err)
	}
}

// TestCallsBundle lists and shows the calls of an exported bundle.
func TestCallsBundle(t *testing.T) {
	db := callsStore(t)
	bundle := filepath.Join(t.TempDir(), "evidence.tar.zst")
	if _, _, err := runCmd(t, "export", "--db", db, "--out", bundle, "--sign-key", filepath.Join(t.TempDir(), "key.pem")); err != nil {
		t.Fatalf("export: %v", err)
	}
	out, _, err := runCmd(t, "calls", "--bundle", bundle, "--entity", "10001", "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(listedSeqs(t, out), []uint64{1, 2, 6}); diff != "" {
		t.Errorf("listed (-got +want):\n%s", diff)
	}
	out, _, err = runCmd(t, "calls", "show", "3", "--bundle", bundle)
	if err != nil || !strings.Contains(out, "E404 (met)") || !strings.Contains(out, "X-Api-Key: [redacted:") {
		t.Errorf("show --bundle (%v):\n%s", err, out)
	}
	if _, _, err := runCmd(t, "calls", "--bundle", filepath.Join(t.TempDir(), "none.tar.zst")); err == nil {
		t.Error("a missing bundle was read")
	}
}

func TestCallsUsage(t *testing.T) {
	db := callsStore(t)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"calls", "--db", db, "--bundle", "b.tar.zst"}, "give one of"},
		{[]string{"calls", "--db", db, "--seq", "9-3"}, "is empty"},
		{[]string{"calls", "--db", db, "--seq", "x"}, `--seq: "x"`},
		{[]string{"calls", "--db", db, "--since", "soon"}, "since"},
		{[]string{"calls", "--db", db, "--status", "2x"}, `status "2x"`},
		{[]string{"calls", "--db", db, "--endpoint", "/cards/8001"}, "not in the catalogue"},
		{[]string{"calls", "--db", db, "--format", "xml"}, `--format "xml"`},
		{[]string{"calls", "--from", "http://127.0.0.1:1", "--limit", "5000"}, "at most 1000"},
		{[]string{"calls", "--db", db, "--admin-token-file", "t"}, "goes with --from"},
		{[]string{"calls", "show", "x", "--db", db}, "not a sequence number"},
		{[]string{"calls", "show", "--db", db}, "one sequence number"},
	} {
		_, _, err := runCmd(t, tt.args...)
		if err == nil || !strings.Contains(err.Error(), tt.want) || exitCode(err) != exitUsage {
			t.Errorf("%v: got %v (exit %d), want a usage error containing %q", tt.args, err, exitCode(err), tt.want)
		}
	}
}
