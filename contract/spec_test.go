package contract

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
)

func TestDefault(t *testing.T) {
	s := Default()
	if s != Default() {
		t.Error("Default() returns a new Spec on each call; it must be parsed once and shared")
	}
	if got, want := s.Version(), "2026.12.1"; got != want {
		t.Errorf("Version() = %q, want %q", got, want)
	}
	if !bytes.Equal(s.Bytes(), defaultYAML) {
		t.Error("Bytes() is not the embedded description")
	}
	eps := s.Endpoints()
	if len(eps) != 42 {
		t.Errorf("Endpoints() lists %d operations, want 42", len(eps))
	}
	staging, emulator := 0, 0
	for _, e := range eps {
		if e.Staging != strings.HasPrefix(e.Template, "/staging/") {
			t.Errorf("%s: Staging = %v, want x-staging-only exactly on /staging/*", e, e.Staging)
		}
		if e.Staging {
			staging++
		}
		if e.Emulator {
			emulator++
		}
	}
	// Of the /staging/* endpoints only kyc/validate is documented; the
	// emulator chose the other eight, and the paths of four more.
	if staging != 9 || emulator != 12 {
		t.Errorf("staging = %d, emulator = %d; want 9 and 12", staging, emulator)
	}
}

func TestEndpointTemplate(t *testing.T) {
	s := Default()
	for _, tc := range []struct{ method, url, want string }{
		{"GET", "https://staging.api.axyscards.com/v2/cards/12/balance", "/cards/{cardId}/balance"},
		{"GET", "/v2/cards/transactions?limit=5", "/cards/transactions"},
		{"POST", "/v2/otp/listeners", "/otp/listeners"},
		{"GET", "/v2/otp/abc", "/otp/{token}"},
		{"GET", "/v2/otp/listeners", OtherEndpoint}, // the literal path wins; it has no GET
		{"GET", "/cards", "/cards"},
		{"PATCH", "/v2/cards/1", OtherEndpoint},
		{"GET", "/v2/accounts", OtherEndpoint},
		{"GET", "/v2/", OtherEndpoint},
	} {
		if got := s.EndpointTemplate(tc.method, tc.url); got != tc.want {
			t.Errorf("EndpointTemplate(%s %s) = %q, want %q", tc.method, tc.url, got, tc.want)
		}
	}
}

// TestLoadInvalid: every file an operator could give with --spec that
// cannot be used is a clear error with its location.
func TestLoadInvalid(t *testing.T) {
	for _, tc := range []struct {
		file         string
		line, column int
		pointer, msg string
		unsupported  bool
	}{
		{file: "invalid-yaml.yaml", line: 8, column: 1, msg: "parse YAML: line 8: did not find expected ',' or '}'"},
		{file: "invalid-swagger.yaml", line: 1, column: 1, pointer: "/swagger", msg: "Swagger 2.0 is not supported", unsupported: true},
		{file: "invalid-version.yaml", line: 1, column: 10, pointer: "/openapi", msg: `OpenAPI "4.0.0" is not supported`, unsupported: true},
		{file: "invalid-not-openapi.yaml", line: 1, column: 1, msg: "not an OpenAPI document: no openapi field"},
		{file: "invalid-scalar.yaml", line: 1, column: 1, msg: "the top level is not a mapping"},
		{file: "invalid-no-paths.yaml", pointer: "/paths", msg: "has no paths", unsupported: true},
		{file: "invalid-no-version.yaml", line: 2, column: 3, pointer: "$.info", msg: "missing property 'version'"},
		{file: "invalid-meta.yaml", line: 8, column: 15, pointer: "$.paths['~1cards'].get.parameters[0].in", msg: "value must be one of 'query', 'header', 'path', 'cookie'"},
		{file: "invalid-ref.yaml", line: 9, column: 28, pointer: "#/components/schemas/Missing", msg: "does not exist"},
		{file: "invalid-pattern.yaml", line: 10, column: 15, pointer: "/paths/~1cards/post/requestBody/content/application~1json/schema", msg: "is not valid regex"},
		{file: "missing.yaml", msg: "read file: open testdata/missing.yaml: no such file or directory"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			_, err := Load("testdata/" + tc.file)
			var le *LoadError
			if !errors.As(err, &le) {
				t.Fatalf("Load = %v, want a *LoadError", err)
			}
			if le.File != "testdata/"+tc.file || le.Line != tc.line || le.Column != tc.column || le.Pointer != tc.pointer {
				t.Errorf("location = %s:%d:%d %q, want %s:%d:%d %q", le.File, le.Line, le.Column, le.Pointer,
					"testdata/"+tc.file, tc.line, tc.column, tc.pointer)
			}
			if !strings.Contains(le.Msg, tc.msg) {
				t.Errorf("Msg = %q, want it to contain %q", le.Msg, tc.msg)
			}
			if errors.Is(err, ErrUnsupported) != tc.unsupported {
				t.Errorf("errors.Is(err, ErrUnsupported) = %v, want %v", !tc.unsupported, tc.unsupported)
			}
			if !strings.HasPrefix(err.Error(), "load spec testdata/"+tc.file) {
				t.Errorf("Error() = %q, want it to start with the file", err)
			}
		})
	}
}

// TestLoadOpenAPI30: a 3.0 description in JSON loads, routes below its own
// server path and is enforced with 3.0 semantics (nullable).
func TestLoadOpenAPI30(t *testing.T) {
	s, err := Load("testdata/valid-minimal.json")
	if err != nil {
		t.Fatal(err)
	}
	ok := s.Check(call(1, "GET", "https://api.example.com/v9/things/3", "", 200, `{"id":3,"note":null}`))
	if !ok.Documented || len(ok.Findings) != 0 {
		t.Errorf("valid call: %+v", ok)
	}
	rec := call(2, "GET", "https://api.example.com/v9/things/x", "", 200, `{"note":1}`)
	got := ruleFields(s.Check(rec), SideRequest)
	got = append(got, ruleFields(s.Check(rec), SideResponse)...)
	want := []string{"type request.path.id", "required response.body.id", "type response.body.note"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("findings = %v, want %v", got, want)
	}
}

// TestUnseenIsNeverEnforced: whatever an x-unseen schema says, no finding
// comes from it, in the built-in description or in one given with --spec.
func TestUnseenIsNeverEnforced(t *testing.T) {
	spec := Default()
	// The activate body is x-unseen (its JSON names were not rendered),
	// although it lists required integers.
	res := spec.Check(call(1, "PUT", "/cards/8002/activate", `{"pan":"4111","extra":[1]}`, 200, `{"anything":true}`))
	if len(res.Findings) != 0 {
		t.Errorf("x-unseen activate body: findings %+v", res.Findings)
	}
	// GET /cards/{id}: cryptoAddresses is documented, cardStatus is not.
	res = spec.Check(call(2, "GET", "/cards/8001", "", 200, `{"cryptoAddresses":[],"cardStatus":"weird","cardId":"x"}`))
	if len(res.Findings) != 0 {
		t.Errorf("x-unseen card fields: findings %+v", res.Findings)
	}
	res = spec.Check(call(3, "GET", "/cards/8001", "", 200, `{"cardStatus":1}`))
	if got := ruleFields(res, SideResponse); len(got) != 1 || got[0] != "required response.body.cryptoAddresses" {
		t.Errorf("documented cryptoAddresses: findings %v, want it required", got)
	}

	data, err := os.ReadFile("testdata/valid-minimal.json")
	if err != nil {
		t.Fatal(err)
	}
	unseen := strings.Replace(string(data), `"required": ["id"]`, `"x-unseen": true, "required": ["id"]`, 1)
	s, err := Parse("unseen.json", []byte(unseen))
	if err != nil {
		t.Fatal(err)
	}
	if res := s.Check(call(4, "GET", "https://api.example.com/v9/things/1", "", 200, `{"id":"not an integer"}`)); len(res.Findings) != 0 {
		t.Errorf("x-unseen in a given description: findings %+v", res.Findings)
	}
}
