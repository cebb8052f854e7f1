package contract

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/pb33f/go-yaml"
	"github.com/pb33f/jsonschema/v6"
	"github.com/pb33f/libopenapi-validator/config"
	"github.com/pb33f/libopenapi-validator/helpers"
	"github.com/pb33f/libopenapi/datamodel/high/base"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"
	"github.com/pb33f/libopenapi/orderedmap"
	yamlv3 "go.yaml.in/yaml/v3"
)

// compiledSchema is a schema compiled once, shared by every place the
// same rendered schema appears (the error envelope, the contact fields…).
type compiledSchema struct {
	schema *jsonschema.Schema
	kind   string
	// rules are the rules the schema can break, from its keywords.
	rules ruleSet
	// shape is what of a value the schema can judge.
	shape *shape
	// typeDeclared is set when the schema is exactly {"type": kind}.
	typeDeclared bool
}

// ruleSet is a set of rules.
type ruleSet map[Rule]bool

// keywordRules maps the JSON Schema keywords that constrain a value to the
// rule a violation of them is reported under.
var keywordRules = map[string]Rule{
	"type": RuleType, "required": RuleRequired, "enum": RuleEnum, "const": RuleEnum,
	"minLength": RuleLength, "maxLength": RuleLength, "minItems": RuleLength, "maxItems": RuleLength,
	"pattern": RulePattern, "format": RuleFormat, "minimum": RuleRange, "maximum": RuleRange,
	"exclusiveMinimum": RuleRange, "exclusiveMaximum": RuleRange, "multipleOf": RuleRange,
	"anyOf": RuleOneOf, "oneOf": RuleOneOf,
}

// schemaRules collects the rules of the keywords in a rendered schema.
func schemaRules(tree any, into ruleSet) {
	switch t := tree.(type) {
	case map[string]any:
		for k, v := range t {
			if r, ok := keywordRules[k]; ok {
				into[r] = true
			}
			if k == "additionalProperties" && v == false {
				into[RuleUnknownField] = true
			}
			schemaRules(v, into)
		}
	case []any:
		for _, e := range t {
			schemaRules(e, into)
		}
	}
}

// extFlag reports whether the extension name is true.
func extFlag(ext *orderedmap.Map[string, *yaml.Node], name string) bool {
	if ext == nil {
		return false
	}
	n, ok := ext.Get(name)
	return ok && n != nil && n.Value == "true"
}

// params merges path-level and operation-level parameters (the operation's
// win) and compiles their schemas. Header and cookie parameters are not
// checked.
func (b *builder) params(ptr string, pathLevel, opLevel []*v3.Parameter) ([]*param, error) {
	var out []*param
	for _, list := range [][]*v3.Parameter{pathLevel, opLevel} {
		for i, p := range list {
			if p == nil || (p.In != "path" && p.In != "query") {
				continue
			}
			np := &param{name: p.Name, in: p.In, required: p.Required != nil && *p.Required, kind: "string"}
			if !extFlag(p.Extensions, "x-unseen") && p.Schema != nil {
				c, err := b.compile(fmt.Sprintf("%s/parameters/%d/schema", ptr, i), p.Schema)
				if err != nil {
					return nil, err
				}
				np.schema, np.kind, np.rules = c.schema, c.kind, c.rules
				np.typeOnly = len(c.rules) == 1 && c.rules[RuleType] && c.typeDeclared && c.kind != "number"
			}
			out = replaceParam(out, np)
		}
	}
	return out, nil
}

func replaceParam(list []*param, p *param) []*param {
	for i, q := range list {
		if q.name == p.name && q.in == p.in {
			list[i] = p
			return list
		}
	}
	return append(list, p)
}

// content compiles the schemas of a content map.
func (b *builder) content(ptr string, content *orderedmap.Map[string, *v3.MediaType]) ([]media, error) {
	if content == nil {
		return nil, nil
	}
	var out []media
	for typ, mt := range content.FromOldest() {
		m := media{typ: strings.ToLower(typ), rules: ruleSet{}}
		if mt != nil && mt.Schema != nil && !extFlag(mt.Extensions, "x-unseen") {
			c, err := b.compile(ptr+"/"+escapePointer(typ)+"/schema", mt.Schema)
			if err != nil {
				return nil, err
			}
			m.schema, m.rules, m.shape = c.schema, c.rules, c.shape
		}
		out = append(out, m)
	}
	return out, nil
}

// responses compiles every described response.
func (b *builder) responses(ptr string, rs *v3.Responses) ([]*response, *response, error) {
	var out []*response
	for code, r := range rs.Codes.FromOldest() {
		res, err := b.response(ptr+"/"+escapePointer(code), code, r)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, res)
	}
	var deflt *response
	if rs.Default != nil {
		var err error
		if deflt, err = b.response(ptr+"/default", "default", rs.Default); err != nil {
			return nil, nil, err
		}
	}
	return out, deflt, nil
}

func (b *builder) response(ptr, code string, r *v3.Response) (*response, error) {
	res := &response{code: strings.ToUpper(code)}
	if r == nil || extFlag(r.Extensions, "x-unseen") {
		return res, nil
	}
	var err error
	res.media, err = b.content(ptr+"/content", r.Content)
	return res, err
}

// compile renders a schema with its references inlined, empties its
// x-unseen subtrees and compiles it as JSON Schema (2020-12 for OpenAPI
// 3.1) with format assertions on. Identical renderings share one compiled
// schema.
func (b *builder) compile(ptr string, sp *base.SchemaProxy) (*compiledSchema, error) {
	fail := func(msg string, err error) error {
		le := &LoadError{File: b.name, Pointer: ptr, Msg: msg, Err: err}
		if n := sp.GetValueNode(); n != nil {
			le.Line, le.Column = n.Line, n.Column
		}
		return le
	}
	sch := sp.Schema()
	if sch == nil {
		err := sp.GetBuildError()
		if err == nil {
			err = errNoSchema
		}
		return nil, fail("build schema: "+err.Error(), err)
	}
	rendered, err := sch.RenderInline()
	if err != nil {
		return nil, fail("render schema: "+err.Error(), err)
	}
	var tree any
	if err := yamlv3.Unmarshal(rendered, &tree); err != nil {
		return nil, fail("read rendered schema: "+err.Error(), err)
	}
	tree = dropUnseen(tree)
	js, err := json.Marshal(tree)
	if err != nil {
		return nil, fail("encode schema as JSON: "+err.Error(), err)
	}
	if c, ok := b.compiled[string(js)]; ok {
		return c, nil
	}
	opts := config.NewValidationOptions(config.WithFormatAssertions())
	compiled, err := helpers.NewCompiledSchemaWithVersion(ptr, js, opts, b.version)
	if err != nil {
		return nil, fail("compile schema: "+lastLine(err.Error()), err)
	}
	c := &compiledSchema{schema: compiled, kind: scalarKind(tree), rules: ruleSet{}, shape: shapeOf(tree)}
	if m, ok := tree.(map[string]any); ok && len(m) == 1 {
		_, c.typeDeclared = m["type"].(string)
	}
	schemaRules(tree, c.rules)
	b.compiled[string(js)] = c
	return c, nil
}

// dropUnseen replaces every schema marked x-unseen: true by the empty
// schema, which accepts anything: what the docs do not show is never
// enforced, however it is described. It also turns YAML's
// map[string]any-or-map[any]any into JSON-encodable maps.
func dropUnseen(v any) any {
	switch t := v.(type) {
	case map[string]any:
		if u, ok := t["x-unseen"].(bool); ok && u {
			return map[string]any{}
		}
		for k, e := range t {
			t[k] = dropUnseen(e)
		}
		return t
	case map[any]any:
		m := make(map[string]any, len(t))
		for k, e := range t {
			m[fmt.Sprint(k)] = e
		}
		return dropUnseen(m)
	case []any:
		for i, e := range t {
			t[i] = dropUnseen(e)
		}
	}
	return v
}

// scalarKind is the type a parameter's text is read as.
func scalarKind(tree any) string {
	m, _ := tree.(map[string]any)
	switch t := m["type"].(type) {
	case string:
		return t
	case []any:
		for _, e := range t {
			if s, _ := e.(string); s != "null" && s != "" {
				return s
			}
		}
	}
	return "string"
}

// lastLine returns the last non-empty line of a multi-line message, where
// the compiler puts the innermost cause.
func lastLine(msg string) string {
	lines := strings.Split(strings.TrimSpace(msg), "\n")
	return strings.TrimLeft(strings.TrimSpace(lines[len(lines)-1]), "- ")
}
