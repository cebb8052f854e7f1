package coverage

import (
	"encoding/json"
	"fmt"
	"io"
)

// WriteJSON writes r as indented JSON. The output is stable: fields in
// declaration order, map keys sorted, lists in report order, so equal
// reports give equal bytes.
func WriteJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("write coverage json: %w", err)
	}
	return nil
}

// ReadJSON reads a report written by WriteJSON.
func ReadJSON(r io.Reader) (*Report, error) {
	var rep Report
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rep); err != nil {
		return nil, fmt.Errorf("read coverage json: %w", err)
	}
	if rep.Schema != ReportSchema {
		return nil, fmt.Errorf("read coverage json: schema %q, want %q", rep.Schema, ReportSchema)
	}
	return &rep, nil
}
