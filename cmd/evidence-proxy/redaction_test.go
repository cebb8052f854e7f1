package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestServeRedactionFlags: what --redact-field, --redact-preset and
// --redact-rules add is replaced in the stored records, and without them
// the same values are stored as sent (so the flags are what redacts them).
func TestServeRedactionFlags(t *testing.T) {
	p := newServePKI(t)
	rules := filepath.Join(t.TempDir(), "rules.yaml")
	if err := os.WriteFile(rules, []byte("fields: [loyaltyId]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	planted := map[string]string{
		"header:X-Program-Ref":      "prog-ref-771100",
		"regex:ACCT-[0-9]{6}":       "ACCT-123456",
		"json:$.profile.nickname":   "zorro-the-nick",
		"--redact-preset pii":       "Adalberta",
		"--redact-rules loyaltyId":  "LOY-998877",
		"query:branch (not a name)": "branch-42x",
	}
	flags := []string{"--redact-field", "header:X-Program-Ref", "--redact-field", "regex:ACCT-[0-9]{6}",
		"--redact-field", "json:$.profile.nickname", "--redact-field", "query:branch",
		"--redact-preset", "pii", "--redact-rules", rules}

	stored := func(t *testing.T, extra ...string) string {
		t.Helper()
		dataDir := t.TempDir()
		s := startServe(t, append(p.args(dataDir, p.goodCert, p.goodKey), extra...))
		body := `{"firstName":"Adalberta","profile":{"nickname":"zorro-the-nick"},"loyaltyId":"LOY-998877"}`
		req, err := http.NewRequest(http.MethodPost, "http://"+s.proxy+"/v2/cardholders?ref=ACCT-123456&branch=branch-42x", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Program-Ref", "prog-ref-771100")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		s.stop(t)
		data, err := json.Marshal(storeRecords(t, dataDir))
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}

	with := stored(t, flags...)
	without := stored(t)
	for rule, v := range planted {
		if strings.Contains(with, v) {
			t.Errorf("%s: %q is stored despite the rule", rule, v)
		}
		if !strings.Contains(without, v) {
			t.Errorf("%s: %q is not stored even without the rule: the test proves nothing", rule, v)
		}
	}
	if !strings.Contains(with, "[redacted:") {
		t.Error("no fingerprint in the redacted records")
	}
}
