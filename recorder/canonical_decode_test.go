package recorder

import (
	"encoding/json"
	"net/url"
	"testing"
)

func TestCanonical(t *testing.T) {
	tests := []struct {
		name string
		src  string
		mode decodeMode
		want string
	}{
		{"plain", "/v2/cards/9104", decodePercent, "/v2/cards/9104"},
		{"percent space", "4111%201111%201111%201111", decodePercent, "4111 1111 1111 1111"},
		{"percent digits", "%34%31%31%31", decodePercent, "4111"},
		{"lower-case hex", "%2f%3a", decodePercent, "/:"},
		{"twice encoded", "%2534%2531", decodePercent, "41"},
		{"three times", "%252534", decodePercent, "4"},
		{"four times stops at the bound", "%25252534", decodePercent, "%34"},
		{"plus is a space in queries", "4111+1111", queryMode, "4111 1111"},
		{"plus is a plus in paths", "4111+1111", decodePercent, "4111+1111"},
		{"encoded plus", "a%2Bb", queryMode, "a b"},
		{"malformed escapes kept", "100%", decodePercent, "100%"},
		{"malformed escapes kept 2", "%zz%4", decodePercent, "%zz%4"},
		{"json escapes", `line\n\t\"q\"\\\/`, decodeJSON, "line\n\t\"q\"\\/"},
		{"json unicode digits", `\u0034\u0031\u0031\u0031`, decodeJSON, "4111"},
		{"json surrogate pair", `\ud83d\ude00x`, decodeJSON, "\U0001F600x"},
		{"json lone surrogate", `\ud83dx`, decodeJSON, "\uFFFDx"},
		{"json bad escape kept", `\q\u12`, decodeJSON, `\q\u12`},
		{"json then percent", `\u0025\u0033\u0034`, jsonStringMode, "4"},
		{"json escapes alone are not percent", `%34`, decodeJSON, "%34"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := canonical([]byte(tt.src), tt.mode)
			if string(d.text) != tt.want {
				t.Errorf("canonical(%q) = %q, want %q", tt.src, d.text, tt.want)
			}
			if d.identity() && tt.src != tt.want {
				t.Error("text changed without an offset map")
			}
			if !needsDecoding([]byte(tt.src), tt.mode) && !d.identity() {
				t.Error("text with nothing to decode was copied")
			}
			if !d.identity() && (len(d.off) != len(d.text)+1 || d.off[len(d.text)] != len(tt.src)) {
				t.Errorf("offset map has %d entries ending at %d; want %d ending at %d", len(d.off), d.off[len(d.off)-1], len(d.text)+1, len(tt.src))
			}
		})
	}
}

// TestCanonicalMatchesTheStandardLibrary checks the decoders against
// net/url and encoding/json on inputs both accept.
func TestCanonicalMatchesTheStandardLibrary(t *testing.T) {
	for _, s := range []string{"a%20b", "%E2%82%AC+x", "4111%2D1111", "%7Bpin%7D"} {
		want, err := url.QueryUnescape(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := canonical([]byte(s), queryMode).text; string(got) != want {
			t.Errorf("query %q: got %q, url.QueryUnescape %q", s, got, want)
		}
	}
	for _, s := range []string{`a\u00e9\n`, `\ud834\udd1e`, `\"\\\/\b\f\r\t`, `\ud800`} {
		var want string
		if err := json.Unmarshal([]byte(`"`+s+`"`), &want); err != nil {
			t.Fatal(err)
		}
		if got := canonical([]byte(s), decodeJSON).text; string(got) != want {
			t.Errorf("json %q: got %q, encoding/json %q", s, got, want)
		}
	}
}

func TestCanonicalSpan(t *testing.T) {
	tests := []struct {
		src        string
		mode       decodeMode
		a, b       int // decoded span
		start, end int // source span
	}{
		{"x4111%201111y", decodePercent, 1, 10, 1, 12},
		{"%34%31", decodePercent, 0, 2, 0, 6},
		{"%34%31", decodePercent, 1, 2, 3, 6},
		{"%2534z", decodePercent, 0, 1, 0, 5},
		{`a\u0034b`, decodeJSON, 1, 2, 1, 7},
		{`\u00e9`, decodeJSON, 1, 2, 0, 6}, // inside a two-byte rune: the whole escape
		{"plain", decodePercent, 1, 3, 1, 3},
	}
	for _, tt := range tests {
		d := canonical([]byte(tt.src), tt.mode)
		if s, e := d.span(tt.a, tt.b); s != tt.start || e != tt.end {
			t.Errorf("%q: span(%d, %d) = %d, %d; want %d, %d", tt.src, tt.a, tt.b, s, e, tt.start, tt.end)
		}
	}
}

func TestNumberDigits(t *testing.T) {
	tests := []struct {
		tok  string
		want string
		ok   bool
	}{
		{"4111111111111111", "4111111111111111", true},
		{"-4111111111111111", "4111111111111111", true},
		{"4111111111111111.0", "4111111111111111", true},
		{"4111111111111111.000", "4111111111111111", true},
		{"4.111111111111111e15", "4111111111111111", true},
		{"4.111111111111111E+15", "4111111111111111", true},
		{"4111111111111111e0", "4111111111111111", true},
		{"41111111111111110e-1", "4111111111111111", true},
		{"0.4111111111111111e16", "4111111111111111", true},
		{"411111111111111.1e1", "4111111111111111", true},
		{"4.2e15", "4200000000000000", true},
		{"0", "0", true},
		{"0.0", "0", true},
		{"12.5", "", false},
		{"4.111111111111111e14", "", false},
		{"1e999999999999", "", false},
		{"1e-999999999999", "", false},
		{"1e20", "", false}, // more than 19 digits
		{"", "", false},
		{"-", "", false},
		{"1e", "", false},
		{"1.5.3", "", false},
		{"--1", "", false},
	}
	for _, tt := range tests {
		got, ok := numberDigits([]byte(tt.tok), maxPANDigits)
		if got != tt.want || ok != tt.ok {
			t.Errorf("numberDigits(%q) = %q, %v; want %q, %v", tt.tok, got, ok, tt.want, tt.ok)
		}
	}
}
