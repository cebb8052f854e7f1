package contract

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/pb33f/libopenapi"
	liberrors "github.com/pb33f/libopenapi-validator/errors"
	"github.com/pb33f/libopenapi-validator/schema_validation"
	"github.com/pb33f/libopenapi/datamodel"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"
	"go.yaml.in/yaml/v3"
)

// Parse parses a description (YAML or JSON) named name in errors. It checks
// the text, the OpenAPI version (3.0 or 3.1), the document against the
// OpenAPI meta-schema, and compiles every parameter, request and response
// schema once; x-unseen parts are compiled as the empty schema.
func Parse(name string, data []byte) (*Spec, error) {
	root, err := parseText(name, data)
	if err != nil {
		return nil, err
	}
	version, err := openAPIVersion(name, root)
	if err != nil {
		return nil, err
	}
	doc, err := libopenapi.NewDocumentWithConfiguration(data, &datamodel.DocumentConfiguration{
		Logger: slog.New(slog.DiscardHandler), // its problems come back as errors
	})
	if err != nil {
		return nil, &LoadError{File: name, Msg: "parse document: " + err.Error(), Err: err}
	}
	model, err := doc.BuildV3Model()
	if err != nil || model == nil {
		return nil, buildError(name, root, err)
	}
	if ok, errs := schema_validation.ValidateOpenAPIDocument(doc); !ok && len(errs) > 0 {
		return nil, metaSchemaError(name, errs)
	}
	b := &builder{name: name, version: version, compiled: map[string]*compiledSchema{}}
	return b.spec(data, &model.Model)
}

// lineRE finds the line number in parser messages ("yaml: line 5: …").
var lineRE = regexp.MustCompile(`line (\d+)`)

// parseText parses data as YAML (JSON is YAML) for the syntax errors, with
// their line, that the OpenAPI parser reports less clearly.
func parseText(name string, data []byte) (*yaml.Node, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		le := &LoadError{File: name, Msg: "parse YAML: " + strings.TrimPrefix(err.Error(), "yaml: "), Err: err}
		if m := lineRE.FindStringSubmatch(err.Error()); m != nil {
			le.Line, _ = strconv.Atoi(m[1])
			le.Column = 1
		}
		return nil, le
	}
	if len(root.Content) == 0 || root.Content[0].Kind != yaml.MappingNode {
		return nil, &LoadError{File: name, Line: max(root.Line, 1), Column: 1, Msg: "not an OpenAPI document: the top level is not a mapping"}
	}
	return root.Content[0], nil
}

// openAPIVersion returns the document's OpenAPI version (3.0 or 3.1), or
// an error at the openapi field.
func openAPIVersion(name string, top *yaml.Node) (float32, error) {
	for i := 0; i+1 < len(top.Content); i += 2 {
		k, v := top.Content[i], top.Content[i+1]
		switch k.Value {
		case "swagger":
			return 0, &LoadError{File: name, Line: k.Line, Column: k.Column, Pointer: "/swagger",
				Msg: "Swagger " + v.Value + " is not supported; convert the description to OpenAPI 3.1", Err: ErrUnsupported}
		case "openapi":
			switch {
			case strings.HasPrefix(v.Value, "3.1."):
				return 3.1, nil
			case strings.HasPrefix(v.Value, "3.0."):
				return 3.0, nil
			}
			return 0, &LoadError{File: name, Line: v.Line, Column: v.Column, Pointer: "/openapi",
				Msg: fmt.Sprintf("OpenAPI %q is not supported; use 3.1 (or 3.0)", v.Value), Err: ErrUnsupported}
		}
	}
	return 0, &LoadError{File: name, Line: top.Line, Column: top.Column, Msg: "not an OpenAPI document: no openapi field"}
}

// refRE finds the reference a model error is about.
var refRE = regexp.MustCompile("`(#/[^`]*)`")

// buildError turns the model builder's (joined) errors into a LoadError
// carrying the first one, at the line of the reference it names when it
// names one.
func buildError(name string, root *yaml.Node, err error) error {
	if err == nil {
		return &LoadError{File: name, Msg: "build model: no model"}
	}
	first := err
	if j, ok := err.(interface{ Unwrap() []error }); ok && len(j.Unwrap()) > 0 {
		first = j.Unwrap()[0]
	}
	le := &LoadError{File: name, Msg: "build model: " + first.Error(), Err: err}
	if m := lineRE.FindStringSubmatch(first.Error()); m != nil {
		le.Line, _ = strconv.Atoi(m[1])
	}
	if m := refRE.FindStringSubmatch(first.Error()); m != nil && le.Line == 0 {
		if n := findRef(root, m[1]); n != nil {
			le.Line, le.Column, le.Pointer = n.Line, n.Column, m[1]
		}
	}
	return le
}

// findRef returns the first $ref node whose value is ref.
func findRef(n *yaml.Node, ref string) *yaml.Node {
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == "$ref" && n.Content[i+1].Value == ref {
				return n.Content[i+1]
			}
		}
	}
	for _, c := range n.Content {
		if f := findRef(c, ref); f != nil {
			return f
		}
	}
	return nil
}

// builder turns the model into a Spec.
type builder struct {
	name     string
	version  float32
	compiled map[string]*compiledSchema
}

func (b *builder) spec(data []byte, m *v3.Document) (*Spec, error) {
	s := &Spec{raw: data, routes: &router{}}
	if m.Info != nil {
		s.title, s.version = m.Info.Title, m.Info.Version
	}
	if s.version == "" {
		return nil, &LoadError{File: b.name, Pointer: "/info/version", Msg: "info.version is required: reports name the description by it"}
	}
	s.bases = serverBases(m.Servers)
	if m.Paths == nil || m.Paths.PathItems == nil || m.Paths.PathItems.Len() == 0 {
		return nil, &LoadError{File: b.name, Pointer: "/paths", Msg: "the description has no paths: there is nothing to check calls against", Err: ErrUnsupported}
	}
	for template, item := range m.Paths.PathItems.FromOldest() {
		if err := b.pathItem(s, template, item); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// serverBases returns the distinct path parts of the server URLs, longest
// first, without a trailing slash ("/v2").
func serverBases(servers []*v3.Server) []string {
	var out []string
	for _, sv := range servers {
		u, err := url.Parse(sv.URL)
		if err != nil {
			continue
		}
		if p := strings.TrimRight(u.Path, "/"); p != "" && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, c string) int { return len(c) - len(a) })
	return out
}

// methods is the order operations of one path are listed in.
var methods = [...]string{"GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE"}

func pathOperation(item *v3.PathItem, method string) *v3.Operation {
	switch method {
	case "GET":
		return item.Get
	case "PUT":
		return item.Put
	case "POST":
		return item.Post
	case "DELETE":
		return item.Delete
	case "OPTIONS":
		return item.Options
	case "HEAD":
		return item.Head
	case "PATCH":
		return item.Patch
	case "TRACE":
		return item.Trace
	}
	return nil
}

func (b *builder) pathItem(s *Spec, template string, item *v3.PathItem) error {
	if !strings.HasPrefix(template, "/") {
		return &LoadError{File: b.name, Pointer: "/paths/" + escapePointer(template), Msg: "a path template must start with /"}
	}
	for _, method := range methods {
		o := pathOperation(item, method)
		if o == nil {
			continue
		}
		ptr := "/paths/" + escapePointer(template) + "/" + strings.ToLower(method)
		op, err := b.operation(ptr, method, template, item, o)
		if err != nil {
			return err
		}
		s.ops = append(s.ops, op)
		s.routes.add(op)
	}
	return nil
}

func (b *builder) operation(ptr, method, template string, item *v3.PathItem, o *v3.Operation) (*operation, error) {
	op := &operation{Endpoint: Endpoint{
		Method: method, Template: template, OperationID: o.OperationId,
		Staging: extFlag(o.Extensions, "x-staging-only"), Emulator: extFlag(o.Extensions, "x-emulator"),
		Deprecated: o.Deprecated != nil && *o.Deprecated,
	}}
	var err error
	if op.params, err = b.params(ptr, item.Parameters, o.Parameters); err != nil {
		return nil, err
	}
	names := pathNames(template)
	for _, p := range op.params {
		p.index = slices.Index(names, p.name)
		op.hasQuery = op.hasQuery || p.in == "query"
	}
	if o.RequestBody != nil {
		rb := o.RequestBody
		op.body = &bodySpec{required: rb.Required != nil && *rb.Required}
		if op.body.media, err = b.content(ptr+"/requestBody/content", rb.Content); err != nil {
			return nil, err
		}
	}
	if o.Responses != nil {
		if op.responses, op.deflt, err = b.responses(ptr+"/responses", o.Responses); err != nil {
			return nil, err
		}
	}
	return op, nil
}

// errNoSchema marks a schema proxy that did not build.
var errNoSchema = errors.New("schema did not build")

func escapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// metaSchemaError reports the first error of the document's validation
// against the OpenAPI meta-schema, at its line and column.
func metaSchemaError(name string, errs []*liberrors.ValidationError) error {
	e := errs[0]
	le := &LoadError{File: name, Line: e.SpecLine, Column: e.SpecCol, Msg: "not valid OpenAPI: " + e.Message}
	if len(e.SchemaValidationErrors) > 0 {
		f := e.SchemaValidationErrors[0]
		if f.Line > 0 {
			le.Line, le.Column = f.Line, f.Column
		}
		le.Pointer = f.FieldPath
		le.Msg += ": " + f.Reason
	}
	if len(errs) > 1 {
		le.Msg += fmt.Sprintf(" (and %d more)", len(errs)-1)
	}
	return le
}
