package contract

import (
	"encoding/json"
	"flag"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

const baseURL = "https://staging.api.axyscards.com/v2"

// call builds a call record to path below baseURL (or to path when it is
// a URL): a JSON request (no body when body is "") and, when status is
// not 0, a JSON response.
func call(seq uint64, method, path, body string, status int, resp string) *evidence.Record {
	url := path
	if !strings.HasPrefix(path, "http") {
		url = baseURL + path
	}
	rec := &evidence.Record{V: evidence.Version, Seq: seq, Kind: evidence.KindCall, Request: evidence.Request{
		Method: method, URL: url, Header: http.Header{},
	}}
	if body != "" {
		rec.Request.Header.Set("Content-Type", "application/json")
		rec.Request.Body = evidence.NewBody([]byte(body), int64(len(body)), false)
	}
	if status != 0 {
		rec.Response = &evidence.Response{Status: status, Header: http.Header{"Content-Type": {"application/json"}},
			Body: evidence.NewBody([]byte(resp), int64(len(resp)), false)}
	}
	return rec
}

// with returns the JSON object body with the given fields set (a nil value
// deletes the field).
func with(t *testing.T, body string, kv ...any) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatalf("with: %v", err)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		k := kv[i].(string)
		if kv[i+1] == nil {
			delete(m, k)
			continue
		}
		m[k] = kv[i+1]
	}
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatalf("with: %v", err)
	}
	return string(out)
}

// ruleFields returns the findings of side as "rule field" strings, sorted.
func ruleFields(res Result, side Side) []string {
	var out []string
	for _, f := range res.Findings {
		if f.Side == side {
			out = append(out, string(f.Rule)+" "+f.Field)
		}
	}
	slices.Sort(out)
	return out
}
