package golive

import "bytes"

// ParseContent parses readiness content (YAML in the form of the embedded
// content/readiness.yaml), as a bundle carries it beside its readiness
// view so that verify rebuilds the view from the content it was built
// from, not the verifier's own.
func ParseContent(data []byte) (*Content, error) { return parseContent(data) }

// BuiltinContentYAML returns the YAML of the embedded readiness content,
// which ParseContent reads back as BuiltinContent.
func BuiltinContentYAML() []byte { return bytes.Clone(builtinContent) }
