package golive

import (
	"encoding/json"
	"fmt"
	"io"
)

// WriteReadinessJSON writes the view as indented JSON, stable like the
// coverage report's: equal views give equal bytes.
func WriteReadinessJSON(w io.Writer, v *Readiness) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("write readiness json: %w", err)
	}
	return nil
}

// ReadReadinessJSON reads a view written by WriteReadinessJSON, strictly.
func ReadReadinessJSON(r io.Reader) (*Readiness, error) {
	var v Readiness
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("read readiness json: %w", err)
	}
	if v.Schema != ReadinessSchema {
		return nil, fmt.Errorf("read readiness json: schema %q, want %q", v.Schema, ReadinessSchema)
	}
	return &v, nil
}
