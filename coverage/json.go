package coverage

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
)

// WriteJSON writes r as indented JSON. The output is stable: fields in
// declaration order, map keys sorted, lists in report order, so equal
// reports give equal bytes.
func WriteJSON(w io.Writer, r *Report) error {
	return (&Document{Report: r}).WriteJSON(w)
}

// jsonDocument is the JSON report: the caller's sections under one key
// before the report's own fields. Embedding keeps the report's field order
// and lets a strict decoder read both. Provenance is the header an
// exporter puts first (where the calls went, who recorded them: see
// export.AddHeader); this package never writes it and reads it raw, so a
// strict read of a bundle's or the coverage command's report succeeds.
type jsonDocument struct {
	Provenance json.RawMessage            `json:"provenance,omitempty"`
	Sections   map[string]json.RawMessage `json:"sections,omitempty"`
	*Report
}

// WriteJSON writes the report as indented JSON, the sections' values
// under "sections" (by id, sorted) before the report's fields. The render
// options change nothing in the JSON: it is data, the same live and
// offline.
func (d *Document) WriteJSON(w io.Writer) error {
	if err := d.check(); err != nil {
		return err
	}
	doc := jsonDocument{Report: d.Report}
	for _, s := range d.Sections {
		if s.JSON == nil {
			continue
		}
		raw, err := marshalSection(s.JSON)
		if err != nil {
			return fmt.Errorf("write coverage json: section %q: %w", s.ID, err)
		}
		if doc.Sections == nil {
			doc.Sections = map[string]json.RawMessage{}
		}
		doc.Sections[s.ID] = raw
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("write coverage json: %w", err)
	}
	return nil
}

// marshalSection encodes a section's value as the report's own fields are:
// no HTML escaping (the encoder indents it with the rest).
func marshalSection(v any) (json.RawMessage, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// ReadJSON reads a report written by WriteJSON or Document.WriteJSON,
// leaving out the sections.
func ReadJSON(r io.Reader) (*Report, error) {
	rep, _, err := ReadDocumentJSON(r)
	return rep, err
}

// ReadDocumentJSON reads a report written by Document.WriteJSON and
// returns its sections raw, by id (nil when there are none). Decoding is
// strict: an unknown field is an error.
func ReadDocumentJSON(r io.Reader) (*Report, map[string]json.RawMessage, error) {
	doc := jsonDocument{Report: &Report{}}
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return nil, nil, fmt.Errorf("read coverage json: %w", err)
	}
	if doc.Schema != ReportSchema {
		return nil, nil, fmt.Errorf("read coverage json: schema %q, want %q", doc.Schema, ReportSchema)
	}
	return doc.Report, doc.Sections, nil
}
