package recorder

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

// RedactRules say what else is a secret, as data: the built-in defaults
// (DefaultRedactRules), and what a program adds with --redact-field values
// (ParseRedactField), a --redact-rules YAML file (LoadRedactRules) or a
// preset (RedactPreset). Rules only add: nothing can make a default secret
// readable. Every rule replaces a value by its keyed fingerprint, so equal
// values stay correlatable.
//
// A --redact-rules file has the same keys as the fields below (families,
// qualifiers, modifiers, fields, query, headers, json_paths, patterns,
// path_fields); unknown keys, bad regular expressions and bad JSON paths
// are errors that name their line. See recorder/redact_defaults.yaml for a
// commented example.
type RedactRules struct {
	// Families are kinds of secret names matched by tokens (see the
	// package doc): "pinNumber", "user_pin", "X-Card-Pin" all end with the
	// PIN family's name "pin".
	Families []NameFamily `yaml:"families"`
	// Qualifiers may follow a family's name without changing what the
	// name holds ("number", "value": pinNumber, otpValue).
	Qualifiers []string `yaml:"qualifiers"`
	// Modifiers are prefixes tried on names written without separators
	// ("new": newpin).
	Modifiers []string `yaml:"modifiers"`
	// Fields are exact names (case and separators ignored) whose values
	// are secrets wherever they appear: JSON keys at any depth, query and
	// form parameters, event attribute keys. Everything inside an object
	// or array held by such a field is replaced too.
	Fields []string `yaml:"fields"`
	// Query are exact names of query and form parameters only.
	Query []string `yaml:"query"`
	// Headers are header names (case-insensitive) whose values are
	// replaced whole.
	Headers []string `yaml:"headers"`
	// JSONPaths select values of JSON bodies and event attributes:
	// "$.cardholder.ssn", "$.items[*].account", "$['user.ssn']",
	// "$.a[0].b" ("$." may be left out). Keys are compared exactly.
	JSONPaths []string `yaml:"json_paths"`
	// Patterns are regular expressions (RE2 syntax) searched for in the
	// canonical text of every value; each match is replaced.
	Patterns []RedactPattern `yaml:"patterns"`
	// PathFields are names that are secrets only on URLs whose path has a
	// given segment.
	PathFields []PathFields `yaml:"path_fields"`
}

// NameFamily is one kind of secret name.
type NameFamily struct {
	// Family names the kind, for people ("PIN").
	Family string `yaml:"family"`
	// Names are the family's names, written as any name would be
	// ("pin", "oneTimeCode", "3ds code"): each is split into tokens.
	Names []string `yaml:"names"`
	// Except are tokens that, before a family name, make it something
	// else ("masked": maskedCardNumber).
	Except []string `yaml:"except"`
}

// RedactPattern is a regular expression whose matches are secrets.
type RedactPattern struct {
	// Name says what the pattern finds, for people.
	Name    string `yaml:"name"`
	Pattern string `yaml:"pattern"`
}

// PathFields makes Fields secrets on URLs whose path has the segment
// Segment (compared case-insensitively).
type PathFields struct {
	Segment string   `yaml:"segment"`
	Fields  []string `yaml:"fields"`
}

//go:embed redact_defaults.yaml
var defaultRulesYAML []byte

//go:embed redact_pii.yaml
var piiRulesYAML []byte

// presetPII names the personal-data preset.
const presetPII = "pii"

// presetYAML returns the rules of a preset.
func presetYAML(name string) ([]byte, bool) {
	switch name {
	case presetPII:
		return piiRulesYAML, true
	}
	return nil, false
}

// DefaultRedactRules returns the built-in rules (recorder/redact_defaults.yaml),
// which every Redactor applies.
func DefaultRedactRules() *RedactRules {
	rules, err := ParseRedactRules(defaultRulesYAML, "built-in rules")
	if err != nil {
		panic(err) // the embedded file is tested
	}
	return rules
}

// DefaultRedactHeaders returns the header names the built-in rules name
// exactly; header names are also matched by the secret-name families.
func DefaultRedactHeaders() []string {
	return DefaultRedactRules().Headers
}

// RedactPresets returns the names RedactPreset accepts.
func RedactPresets() []string {
	return []string{presetPII}
}

// RedactPreset returns a named set of extra rules: "pii" replaces
// personal data (names, dates of birth, addresses, phone numbers,
// e-mail addresses, national ids, bank account numbers; see
// recorder/redact_pii.yaml).
func RedactPreset(name string) (*RedactRules, error) {
	data, ok := presetYAML(name)
	if !ok {
		return nil, fmt.Errorf("redaction preset %q: unknown (known: %s)", name, strings.Join(RedactPresets(), ", "))
	}
	return ParseRedactRules(data, "preset "+name)
}

// LoadRedactRules reads a --redact-rules YAML file.
func LoadRedactRules(path string) (*RedactRules, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read redaction rules: %w", err)
	}
	return ParseRedactRules(data, path)
}

// ParseRedactRules parses rules in YAML; name (a file name) prefixes
// errors. Parsing is strict: an unknown key, a value of the wrong type, an
// empty name, a bad regular expression or JSON path, or a second YAML
// document is an error naming its line.
func ParseRedactRules(data []byte, name string) (*RedactRules, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var f rulesFile
	switch err := dec.Decode(&f); {
	case errors.Is(err, io.EOF):
		return &RedactRules{}, nil
	case err != nil:
		return nil, fmt.Errorf("parse redaction rules %s: %w", name, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("parse redaction rules %s: line %d: one YAML document expected", name, extra.Line)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("parse redaction rules %s: %w", name, err)
	}
	if err := f.check(&root); err != nil {
		return nil, fmt.Errorf("parse redaction rules %s: %w", name, err)
	}
	return f.rules(), nil
}

// check finds the entries that lack a required key, which the decoder
// cannot see.
func (f *rulesFile) check(root *yaml.Node) error {
	for i, fam := range f.Families {
		if len(fam.Names) == 0 {
			return fmt.Errorf("line %d: family %q has no names", entryLine(root, "families", i), fam.Family)
		}
	}
	for i, p := range f.Patterns {
		if p.Pattern == "" {
			return fmt.Errorf("line %d: pattern %q has no pattern", entryLine(root, "patterns", i), p.Name)
		}
	}
	for i, p := range f.PathFields {
		if p.Segment == "" || len(p.Fields) == 0 {
			return fmt.Errorf("line %d: path_fields entry needs a segment and fields", entryLine(root, "path_fields", i))
		}
	}
	return nil
}

// entryLine returns the line of the i-th entry of the top-level list key.
func entryLine(root *yaml.Node, key string, i int) int {
	if root.Kind != yaml.DocumentNode || len(root.Content) == 0 {
		return 0
	}
	m := root.Content[0]
	for k := 0; k+1 < len(m.Content); k += 2 {
		if m.Content[k].Value == key && i < len(m.Content[k+1].Content) {
			return m.Content[k+1].Content[i].Line
		}
	}
	return 0
}

// ParseRedactField parses one --redact-field value: a name (a JSON key
// at any depth, or a query or form parameter), "header:NAME",
// "query:NAME", "json:PATH" (or a path starting with "$"), or
// "regex:PATTERN".
func ParseRedactField(spec string) (*RedactRules, error) {
	kind, value, ok := strings.Cut(spec, ":")
	if !ok || strings.HasPrefix(spec, "$") {
		kind, value = "", spec
	}
	value = strings.TrimSpace(value)
	if value == "" {
		return nil, fmt.Errorf("redact field %q: empty", spec)
	}
	var r RedactRules
	switch kind {
	case "", "field", "name":
		if strings.HasPrefix(value, "$") {
			if _, err := parseJSONPath(value); err != nil {
				return nil, fmt.Errorf("redact field %q: %w", spec, err)
			}
			r.JSONPaths = []string{value}
			break
		}
		r.Fields = []string{value}
	case "header":
		r.Headers = []string{value}
	case "query", "form":
		r.Query = []string{value}
	case "json":
		if _, err := parseJSONPath(value); err != nil {
			return nil, fmt.Errorf("redact field %q: %w", spec, err)
		}
		r.JSONPaths = []string{value}
	case "regex":
		if _, err := regexp.Compile(value); err != nil {
			return nil, fmt.Errorf("redact field %q: %w", spec, err)
		}
		r.Patterns = []RedactPattern{{Name: "--redact-field", Pattern: value}}
	default:
		return nil, fmt.Errorf("redact field %q: unknown kind %q (want a name, header:, query:, json: or regex:)", spec, kind)
	}
	return &r, nil
}

// rulesFile is the YAML form of RedactRules, with line numbers kept for
// errors.
type rulesFile struct {
	Families   []familyFile    `yaml:"families"`
	Qualifiers []ruleName      `yaml:"qualifiers"`
	Modifiers  []ruleName      `yaml:"modifiers"`
	Fields     []ruleName      `yaml:"fields"`
	Query      []ruleName      `yaml:"query"`
	Headers    []ruleName      `yaml:"headers"`
	JSONPaths  []jsonPathText  `yaml:"json_paths"`
	Patterns   []patternFile   `yaml:"patterns"`
	PathFields []pathFieldFile `yaml:"path_fields"`
}

type familyFile struct {
	Family string     `yaml:"family"`
	Names  []ruleName `yaml:"names"`
	Except []ruleName `yaml:"except"`
}

type patternFile struct {
	Name    string      `yaml:"name"`
	Pattern patternText `yaml:"pattern"`
}

type pathFieldFile struct {
	Segment ruleName   `yaml:"segment"`
	Fields  []ruleName `yaml:"fields"`
}

// ruleName is a name in a rules file: a non-empty string with a letter or
// digit in it.
type ruleName string

func (n *ruleName) UnmarshalYAML(node *yaml.Node) error {
	s, err := scalarString(node)
	if err != nil {
		return err
	}
	if !strings.ContainsFunc(s, func(r rune) bool { return r < 0x80 && isNameByte(byte(r)) }) {
		return fmt.Errorf("line %d: name %q has no letter or digit", node.Line, s)
	}
	*n = ruleName(s)
	return nil
}

// patternText is a regular expression, checked as it is read.
type patternText string

func (p *patternText) UnmarshalYAML(node *yaml.Node) error {
	s, err := scalarString(node)
	if err != nil {
		return err
	}
	if _, err := regexp.Compile(s); err != nil {
		return fmt.Errorf("line %d: pattern: %w", node.Line, err)
	}
	*p = patternText(s)
	return nil
}

// jsonPathText is a JSON path, checked as it is read.
type jsonPathText string

func (p *jsonPathText) UnmarshalYAML(node *yaml.Node) error {
	s, err := scalarString(node)
	if err != nil {
		return err
	}
	if _, err := parseJSONPath(s); err != nil {
		return fmt.Errorf("line %d: %w", node.Line, err)
	}
	*p = jsonPathText(s)
	return nil
}

func scalarString(node *yaml.Node) (string, error) {
	if node.Kind != yaml.ScalarNode || node.Tag == "!!null" {
		return "", fmt.Errorf("line %d: want a string", node.Line)
	}
	if strings.TrimSpace(node.Value) == "" {
		return "", fmt.Errorf("line %d: empty value", node.Line)
	}
	return node.Value, nil
}

func (f *rulesFile) rules() *RedactRules {
	r := &RedactRules{
		Qualifiers: names(f.Qualifiers), Modifiers: names(f.Modifiers), Fields: names(f.Fields),
		Query: names(f.Query), Headers: names(f.Headers),
	}
	for _, fam := range f.Families {
		r.Families = append(r.Families, NameFamily{Family: fam.Family, Names: names(fam.Names), Except: names(fam.Except)})
	}
	for _, p := range f.JSONPaths {
		r.JSONPaths = append(r.JSONPaths, string(p))
	}
	for _, p := range f.Patterns {
		r.Patterns = append(r.Patterns, RedactPattern{Name: p.Name, Pattern: string(p.Pattern)})
	}
	for _, p := range f.PathFields {
		r.PathFields = append(r.PathFields, PathFields{Segment: string(p.Segment), Fields: names(p.Fields)})
	}
	return r
}

func names(ns []ruleName) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = string(n)
	}
	return out
}
