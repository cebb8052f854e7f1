package contract

import (
	_ "embed"
	"fmt"
	"os"
	"sync"

	"github.com/pb33f/jsonschema/v6"
)

// defaultYAML is the built-in description of Axys v2.
//
//go:embed openapi/axys-v2.yaml
var defaultYAML []byte

// DefaultName is the name the built-in description is loaded under (and
// reported in errors).
const DefaultName = "openapi/axys-v2.yaml"

// Spec is a loaded description: its endpoints and the compiled schemas of
// their parameters, request bodies and responses. It is immutable and safe
// for concurrent use.
type Spec struct {
	title   string
	version string
	raw     []byte
	// bases are the path prefixes of the servers ("/v2"), longest first.
	bases  []string
	ops    []*operation
	routes *router
}

// Endpoint is one operation of the description: a method and a path
// template relative to the servers' base path, with {name} for each path
// parameter.
type Endpoint struct {
	Method   string `json:"method"`
	Template string `json:"template"`
	// OperationID is the operation's operationId, when it has one.
	OperationID string `json:"operation_id,omitempty"`
	// Staging is set for x-staging-only operations: the /staging/*
	// simulation endpoints, 404 in production.
	Staging bool `json:"staging,omitempty"`
	// Emulator is set for x-emulator operations: paths the docs do not
	// show, chosen by the local emulator.
	Emulator bool `json:"emulator,omitempty"`
	// Deprecated is set for operations marked deprecated.
	Deprecated bool `json:"deprecated,omitempty"`
}

// String is "METHOD /template".
func (e Endpoint) String() string { return e.Method + " " + e.Template }

// operation is an Endpoint with what is needed to check a call to it.
type operation struct {
	Endpoint
	params []*param
	// hasQuery is set when some parameter is in the query.
	hasQuery  bool
	body      *bodySpec
	responses []*response
	deflt     *response
}

// requestRules returns the rules a request to op can break (its
// parameters' and body's constraints), in Rules order. A parameter read as
// a string cannot break its type, and path parameters are always present.
func (op *operation) requestRules() []Rule {
	set := ruleSet{}
	for _, p := range op.params {
		for r := range p.rules {
			switch {
			case r == RuleType && p.kind == "string":
			case r == RuleRequired:
			default:
				set[r] = true
			}
		}
		if p.required && p.in == "query" {
			set[RuleRequired] = true
		}
	}
	if op.body != nil {
		if op.body.required {
			set[RuleRequired] = true
		}
		for _, m := range op.body.media {
			for r := range m.rules {
				set[r] = true
			}
		}
	}
	var out []Rule
	for _, r := range Rules() {
		if set[r] {
			out = append(out, r)
		}
	}
	return out
}

// param is a path or query parameter.
type param struct {
	name, in string
	// index is the position of a path parameter in the template (-1 when
	// the template has no such parameter).
	index    int
	required bool
	// kind is the JSON type a query or path string is read as: "integer",
	// "number", "boolean", or "string" (the default).
	kind   string
	schema *jsonschema.Schema // nil when x-unseen or without a schema
	rules  ruleSet
	// typeOnly is set when the schema constrains nothing but the type,
	// which reading the text as kind has already checked.
	typeOnly bool
}

// bodySpec is a request body.
type bodySpec struct {
	required bool
	media    []media
}

// media is one described content type with its schema (nil: anything).
type media struct {
	typ    string
	schema *jsonschema.Schema
	rules  ruleSet
	shape  *shape
}

// response is one described response: a status code ("200", "4XX") and its
// content types; no media means no body is described.
type response struct {
	code  string
	media []media
}

// builtin parses the built-in description on first use. The Spec it
// returns is immutable, so sharing it is safe.
var builtin = sync.OnceValue(func() *Spec {
	s, err := Parse(DefaultName, defaultYAML)
	if err != nil {
		panic(fmt.Sprintf("contract: the built-in description does not load: %v", err))
	}
	return s
})

// Default returns the built-in description of Axys v2, parsed once and
// shared. It panics if the embedded file does not load, which the
// package's tests rule out.
func Default() *Spec { return builtin() }

// Load reads and parses the description in the file at path (YAML or JSON,
// OpenAPI 3.0 or 3.1), as given with --spec. Every problem is a *LoadError
// naming the file and, where known, the line and column or the JSON
// pointer.
func Load(path string) (*Spec, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &LoadError{File: path, Msg: "read file: " + err.Error(), Err: err}
	}
	return Parse(path, data)
}

// Title is info.title.
func (s *Spec) Title() string { return s.title }

// Version is info.version: the description's own version, which reports
// and bundles carry beside the matrix version.
func (s *Spec) Version() string { return s.version }

// Bytes returns the description as loaded, for "evidence-proxy spec".
func (s *Spec) Bytes() []byte { return append([]byte(nil), s.raw...) }

// Endpoints returns the described operations in document order (paths in
// file order; in each path GET, PUT, POST, DELETE, OPTIONS, HEAD, PATCH,
// TRACE).
func (s *Spec) Endpoints() []Endpoint {
	out := make([]Endpoint, len(s.ops))
	for i, op := range s.ops {
		out[i] = op.Endpoint
	}
	return out
}

// EndpointTemplate maps a concrete call to its described template:
// ("GET", "https://staging.api.axyscards.com/v2/cards/12") gives
// "/cards/{cardId}"; a call outside the description gives OtherEndpoint.
func (s *Spec) EndpointTemplate(method, rawURL string) string {
	p := s.apiPath(urlPath(rawURL))
	if op, _, _ := s.routes.lookup(method, p); op != nil {
		return op.Template
	}
	return OtherEndpoint
}
