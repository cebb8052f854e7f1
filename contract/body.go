package contract

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"strconv"
	"strings"

	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/pb33f/jsonschema/v6"
	"github.com/pb33f/jsonschema/v6/kind"
)

// body checks a request or response body against the described media.
func (c *checker) body(side Side, field string, b *evidence.Body, h http.Header, described []media, required bool) {
	switch {
	case b.Truncated:
		c.add(side, field, RuleNotChecked, "", fmt.Sprintf("not checked: truncated (%d bytes on the wire, the first %d recorded)", b.Size, len(b.Bytes())))
		return
	case b.DecodeError != "":
		c.add(side, field, RuleNotChecked, "", "not checked: the body's content encoding could not be decoded")
		return
	}
	raw := b.Bytes()
	if len(bytes.TrimSpace(raw)) == 0 {
		if required {
			c.add(side, field, RuleRequired, "", "a body is required")
		}
		return
	}
	m, ok := c.chooseMedia(side, field, headerMediaType(h), described)
	if !ok || !isJSON(m.typ) {
		return
	}
	sh := m.shape
	if c.whole {
		sh = wholeShape
	}
	v, err := decodeShaped(raw, sh)
	if err != nil {
		c.add(side, field, RuleNotJSON, "", "is not JSON: "+err.Error())
		return
	}
	if m.schema == nil {
		return
	}
	if err := m.schema.Validate(v); err != nil {
		c.schemaErrors(side, field, v, err)
	}
}

// chooseMedia picks the described media for the Content-Type mt. A missing
// or undescribed type is a content-type finding; the body is then still
// checked as the described JSON media, if there is one.
func (c *checker) chooseMedia(side Side, field, mt string, described []media) (media, bool) {
	for _, m := range described {
		if m.typ == mt || m.typ == "*/*" || (strings.HasSuffix(m.typ, "/*") && strings.HasPrefix(mt, m.typ[:len(m.typ)-1])) {
			return m, true
		}
	}
	want := make([]string, len(described))
	for i, m := range described {
		want[i] = m.typ
	}
	header := strings.Replace(field, ".body", ".header.Content-Type", 1)
	if mt == "" {
		c.add(side, header, RuleContentType, "", "is missing ("+strings.Join(want, " or ")+" expected)")
	} else {
		c.add(side, header, RuleContentType, quote(mt), "is not described ("+strings.Join(want, " or ")+" expected)")
	}
	for _, m := range described {
		if isJSON(m.typ) {
			return m, true
		}
	}
	return media{}, false
}

// isJSON reports whether a media type is JSON (application/json or a
// +json suffix).
func isJSON(mt string) bool {
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}

// scalar reads the text of a path or query parameter as kind. Numbers are
// json.Number, as in decoded bodies.
func scalar(kind, s string) (any, bool) {
	switch kind {
	case "integer":
		if _, err := strconv.ParseInt(s, 10, 64); err != nil {
			if _, ok := new(big.Int).SetString(s, 10); !ok {
				return nil, false
			}
		}
		return json.Number(s), true
	case "number":
		if _, err := strconv.ParseFloat(s, 64); err != nil {
			return nil, false
		}
		return json.Number(s), true
	case "boolean":
		b, err := strconv.ParseBool(s)
		return b, err == nil && (s == "true" || s == "false")
	}
	return s, true
}

// schemaErrors turns a validation error tree into findings on its leaves.
func (c *checker) schemaErrors(side Side, field string, root any, err error) {
	ve, ok := err.(*jsonschema.ValidationError)
	if !ok {
		c.add(side, field, RuleNotChecked, "", "not checked: "+err.Error())
		return
	}
	c.leaf(side, field, root, ve)
}

func (c *checker) leaf(side Side, field string, root any, e *jsonschema.ValidationError) {
	at, v := locate(field, root, e.InstanceLocation)
	switch k := e.ErrorKind.(type) {
	case *kind.Schema, *kind.Group, *kind.AllOf, *kind.Reference:
		for _, cause := range e.Causes {
			c.leaf(side, field, root, cause)
		}
		if len(e.Causes) == 0 {
			c.value(side, at, RuleSchema, v, "does not match the schema")
		}
	case *kind.AnyOf, *kind.OneOf:
		c.value(side, at, RuleOneOf, v, alternatives(e))
	case *kind.Required:
		for _, name := range k.Missing {
			f, _ := locate(at, nil, []string{name})
			c.add(side, f, RuleRequired, "", "is required")
		}
	case *kind.AdditionalProperties:
		obj, _ := v.(map[string]any)
		for _, name := range k.Properties {
			f, pv := locate(at, obj, []string{name})
			c.add(side, f, RuleUnknownField, scalarText(pv), "is not a field of this endpoint")
		}
	default:
		rule, msg := describe(e.ErrorKind)
		c.value(side, at, rule, v, msg)
	}
}

// value adds a finding about a value, unless the value is a string holding
// a redaction: the recorder replaced the original, which cannot be judged.
// Objects and arrays are shown as {…} and […], never their content.
func (c *checker) value(side Side, field string, rule Rule, v any, msg string) {
	text := scalarText(v)
	if _, s := v.(string); s && hasRedaction(text) {
		return
	}
	c.add(side, field, rule, text, msg)
}

// describe maps a leaf error kind to its rule and a message that names the
// constraint, never the value.
func describe(k jsonschema.ErrorKind) (Rule, string) {
	switch k := k.(type) {
	case *kind.Type:
		return RuleType, "must be " + strings.Join(k.Want, " or ")
	case *kind.Enum:
		return RuleEnum, "must be one of " + list(k.Want)
	case *kind.Const:
		return RuleEnum, "must be " + encode(k.Want)
	case *kind.MinLength:
		return RuleLength, fmt.Sprintf("must be at least %d characters", k.Want)
	case *kind.MaxLength:
		return RuleLength, fmt.Sprintf("must be at most %d characters", k.Want)
	case *kind.MinItems:
		return RuleLength, fmt.Sprintf("must have at least %d items", k.Want)
	case *kind.MaxItems:
		return RuleLength, fmt.Sprintf("must have at most %d items", k.Want)
	case *kind.Pattern:
		return RulePattern, "must match " + k.Want
	case *kind.Format:
		return RuleFormat, "must be in format " + k.Want
	case *kind.Minimum:
		return RuleRange, "must be at least " + k.Want.RatString()
	case *kind.Maximum:
		return RuleRange, "must be at most " + k.Want.RatString()
	case *kind.ExclusiveMinimum:
		return RuleRange, "must be more than " + k.Want.RatString()
	case *kind.ExclusiveMaximum:
		return RuleRange, "must be less than " + k.Want.RatString()
	case *kind.MultipleOf:
		return RuleRange, "must be a multiple of " + k.Want.RatString()
	}
	return RuleSchema, "does not match the schema (" + strings.Join(k.KeywordPath(), "/") + ")"
}

// alternatives describes a failed anyOf or oneOf: "one of cardId or
// cardholderId is required" when every alternative only requires fields.
func alternatives(e *jsonschema.ValidationError) string {
	if k, ok := e.ErrorKind.(*kind.OneOf); ok && len(k.Subschemas) > 1 {
		return "must match exactly one alternative, matches several"
	}
	var names []string
	for _, cause := range e.Causes {
		for len(cause.Causes) == 1 {
			cause = cause.Causes[0]
		}
		r, ok := cause.ErrorKind.(*kind.Required)
		if !ok {
			return "must match one of the alternatives"
		}
		names = append(names, r.Missing...)
	}
	if len(names) == 0 {
		return "must match one of the alternatives"
	}
	return "one of " + strings.Join(names, " or ") + " is required"
}

// locate returns the field path of an instance location below field, and
// the value there in root (absent{} when it is not there). Array indexes are written
// [i], names .name, or ["name"] when they are not plain identifiers.
func locate(field string, root any, loc []string) (string, any) {
	var b strings.Builder
	b.WriteString(field)
	v := root
	for _, tok := range loc {
		switch t := v.(type) {
		case []any:
			b.WriteString("[" + tok + "]")
			i, err := strconv.Atoi(tok)
			if err == nil && i >= 0 && i < len(t) {
				v = t[i]
			} else {
				v = absent{}
			}
		case map[string]any:
			writeName(&b, tok)
			var ok bool
			if v, ok = t[tok]; !ok {
				v = absent{}
			}
		default:
			writeName(&b, tok)
			v = absent{}
		}
	}
	return b.String(), v
}

func writeName(b *strings.Builder, name string) {
	plain := name != ""
	for i := 0; i < len(name) && plain; i++ {
		c := name[i]
		plain = c == '_' || c == '-' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
	}
	if plain {
		b.WriteString("." + name)
		return
	}
	b.WriteString("[" + quote(name) + "]")
}

// absent stands for a value that is not in the instance.
type absent struct{}

// encode is v as compact JSON ("" for an absent value).
func encode(v any) string {
	if _, ok := v.(absent); ok {
		return ""
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// scalarText is encode for scalars, and {…} or […] for objects and arrays.
func scalarText(v any) string {
	switch v.(type) {
	case map[string]any:
		return "{…}"
	case []any:
		return "[…]"
	}
	return encode(v)
}

func list(vs []any) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = encode(v)
	}
	return strings.Join(parts, ", ")
}
