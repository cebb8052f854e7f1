package coverage

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// bodyPaths are the paths the body tests look up, in an order that makes
// later lookups start from members and arrays read by earlier ones.
func bodyPaths() [][]string {
	return [][]string{
		{"items", eachSeg, "cardId"}, {"total"}, {"a"}, {"items"}, {"items", eachSeg, "status"},
		{"items", eachSeg}, {"missing"}, {"nested", "a", "b"}, {"escaped"}, {eachSeg}, {eachSeg, "a"},
		{"a", eachSeg, eachSeg}, {"esc\"key"}, {"items", eachSeg, "x"}, nil,
	}
}

// scanAll returns every raw value jsonEach finds at path.
func scanAll(doc string, path []string) []string {
	var out []string
	jsonEach(doc, path, func(raw string) bool { out = append(out, raw); return false })
	return out
}

// checkBodyView looks every path up in a bodyView of doc, forwards and
// backwards, and compares with scanning afresh.
func checkBodyView(t *testing.T, doc string) {
	t.Helper()
	paths := bodyPaths()
	for _, order := range []string{"forwards", "backwards"} {
		var b bodyView
		b.reset(doc, false)
		for _, p := range paths {
			var got []string
			b.each(p, func(raw string) bool { got = append(got, raw); return false })
			if want := scanAll(doc, p); !slices.Equal(got, want) {
				t.Fatalf("%s: %s %q: got %q, want %q", doc, order, p, got, want)
			}
			if len(p) != 1 || p[0] == eachSeg {
				continue
			}
			raw, ok := b.member(p[0])
			wantRaw, wantOK := member(doc[skipWS(doc, 0):], p[0])
			if raw != wantRaw || ok != wantOK {
				t.Fatalf("%s: member %q: got %q %v, want %q %v", doc, p[0], raw, ok, wantRaw, wantOK)
			}
			if i, ok := b.find(p[0]); ok && strings.HasPrefix(raw, "[") {
				n, _ := jsonLen(raw)
				if got := len(b.elements(i)); got != n {
					t.Fatalf("%s: elements of %q: got %d, want %d", doc, p[0], got, n)
				}
			}
		}
		slices.Reverse(paths)
	}
}

func TestBodyViewMatchesScan(t *testing.T) {
	docs := []string{
		`{"status":"success","items":[{"cardId":8001,"status":1},{"cardId":8002,"status":4},{"x":null}],"total":3,"limit":50,"offset":0}`,
		` { "items" : [ {"cardId" : 1} , {"cardId":2} ] , "total" : 2 } `,
		`{"items":[],"total":0}`,
		`{"items":[ ],"a":[[1,2],[3]]}`,
		`{"items":[1,],"total":1}`,
		`{"items":[1 2],"total":2}`,
		`{"items":[{"cardId":1},{"cardId":2],"total":2}`,
		`{"items":[{"cardId":1}, "x" : 1],"total":2}`,
		`{"items":[{"cardId":1}`,
		`{"items":"notalist","a":1,"a":2}`,
		`{"esc\"key":1,"esc\u0061ped":true,"nested":{"a":{"b":"c\"d"}}}`,
		`{"a":1,"b" 2,"total":3}`,
		`{"a":tru,"total":1}`,
		`[{"a":1},{"a":2}]`,
		`"just a string"`,
		``,
		`{`,
		`{"items":[{"cardId":1},{"cardId":2}]]}`,
		`{"items":[{"s":"]"},{"s":"[\"]"}],"total":2}`,
	}
	for _, doc := range docs {
		checkBodyView(t, doc)
	}
}

// FuzzBodyView: a bodyView finds what scanning afresh finds, whatever the
// order of the lookups.
func FuzzBodyView(f *testing.F) {
	for _, s := range []string{`{"items":[{"cardId":1,"status":2}],"total":1}`, `{"a":[1,],"items":[1 2]}`, `{"a":"\"}","a":2}`, `[1,2]`, `{"items":[{]}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, doc string) { checkBodyView(t, doc) })
}

// TestReadPageMatchesScan: a list page reads as the scanner reads it.
func TestReadPageMatchesScan(t *testing.T) {
	for _, body := range []string{
		`{"items":[1,2,3],"total":10,"offset":3}`,
		`{"items":[1,2,3]}`,
		`{"total":10,"items":[1,2,3],"offset":-1}`,
		`{"items":{"a":1},"total":1}`,
		`{"items":[1,],"total":"x"}`,
		`{"items":[1 2 3],"total":3}`,
	} {
		tr := newTrace()
		tr.get("/cards/transactions?offset=7", body)
		var v callView
		v.cache = newRefCache(0)
		v.reset(newRoutes(), tr.recs[0])
		var want listPage
		var items string
		if jsonEach(body, []string{"items"}, func(raw string) bool { items = raw; return true }) {
			if n, ok := jsonLen(items); ok && items[0] == '[' {
				want = listPage{offset: scanInt(body, "offset", 7), n: n, ok: true}
				want.total = scanInt(body, "total", want.offset+n)
			}
		}
		if got := readPage(&v); got != want {
			t.Errorf("%s: got %+v, want %+v", body, got, want)
		}
	}
}

func scanInt(doc, key string, def int) int {
	for _, raw := range scanAll(doc, []string{key}) {
		if f, ok := jsonNumber(raw); ok && f >= 0 {
			return int(f)
		}
		return def
	}
	return def
}

// parseNumber agrees with strconv.ParseFloat, bit for bit.
func checkParseNumber(t *testing.T, s string) {
	t.Helper()
	want, err := strconv.ParseFloat(s, 64)
	got, ok := parseNumber(s)
	if ok != (err == nil) || (ok && math.Float64bits(got) != math.Float64bits(want)) {
		t.Fatalf("parseNumber(%q) = %v, %v; ParseFloat gives %v, %v", s, got, ok, want, err)
	}
}

func TestParseNumber(t *testing.T) {
	for _, s := range []string{"0", "-0", "7", "007", "-12", "123456789012345", "1234567890123456", "-999999999999999",
		"1.5", "1e3", "-", "", "--5", "+5", "1-2", "12a", "9007199254740993", "-1234567890123456789"} {
		checkParseNumber(t, s)
	}
}

func FuzzParseNumber(f *testing.F) {
	for _, s := range []string{"0", "-0", "12", "1.5e3", "-", "+1", "1234567890123456"} {
		f.Add(s)
	}
	f.Fuzz(checkParseNumber)
}
