package contract

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/pb33f/jsonschema/v6"
)

// TestDecodeJSON holds decodeJSON to encoding/json (with UseNumber, as the
// schema validator's own UnmarshalJSON decodes) on valid and invalid text.
func TestDecodeJSON(t *testing.T) {
	for _, in := range decodeSeeds() {
		t.Run(in, func(t *testing.T) { sameAsStdlib(t, []byte(in)) })
	}
}

func decodeSeeds() []string {
	return []string{
		`{}`, `[]`, `null`, `true`, `false`, `0`, `-0`, `1.5e10`, `-12.34E-2`, `"x"`,
		`{"a":1,"b":[1,2,{"c":"d"}],"e":null,"f":true}`, ` {"a" : 1 } `, `{"a":1,"a":2}`,
		`"\u00e9\ud83d\ude00\n\t\"\\\/"`, `"\ud800"`, `"\udc00\u0041"`, `"\ud800\u0041"`, "\"\xff\xfe\"", "\"é\"",
		`{"a":1,}`, `[1,]`, `01`, `1.`, `.5`, `1e`, `+1`, `tru`, `nul`, `"abc`, `{"a"}`, `{"a":}`, `[1 2]`,
		`{"a":1}x`, `"\x"`, `"\u12"`, `"\u12G4"`, "\"a\x01b\"", `{1:2}`, ``, ` `, `[[[[]]]]`,
		strings.Repeat("[", 50) + strings.Repeat("]", 50), `"\uDBFF\uDFFF"`, `-`, `-a`, `1.0e+`, `[-]`,
	}
}

func sameAsStdlib(t *testing.T, in []byte) {
	t.Helper()
	want, werr := jsonschema.UnmarshalJSON(bytes.NewReader(in))
	got, gerr := decodeJSON(in)
	if (werr != nil) != (gerr != nil) {
		t.Fatalf("decodeJSON(%q) error = %v, encoding/json error = %v", in, gerr, werr)
	}
	if werr == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("decodeJSON(%q) = %#v, encoding/json = %#v", in, got, want)
	}
}

func FuzzDecodeJSON(f *testing.F) {
	for _, s := range decodeSeeds() {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) { sameAsStdlib(t, in) })
}
