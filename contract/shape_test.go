package contract

import (
	"testing"

	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/google/go-cmp/cmp"
)

// TestPrunedDecodingChangesNothing: decoding only what the schemas can
// judge gives the same findings as decoding bodies whole, on every record
// the other tests use.
func TestPrunedDecodingChangesNothing(t *testing.T) {
	spec := Default()
	var recs []*evidence.Record
	recs = append(recs, benchRecords()...)
	recs = append(recs, summaryRecords()...)
	for _, tc := range requestCases(t) {
		recs = append(recs, call(1, tc.method, tc.path, tc.body, 200, `{"status":"success","items":[{"a":{"b":[1,{"c":2}]}}],"cardId":"x","cryptoAddresses":[{"chain":1,"address":null,"extra":{"deep":[[]]}}],"applicationLink":"not a uri"}`))
	}
	for _, r := range recs {
		samePruned(t, spec, r)
	}
}

func samePruned(t *testing.T, spec *Spec, r *evidence.Record) {
	t.Helper()
	pruned, whole := spec.check(r, false), spec.check(r, true)
	if diff := cmp.Diff(pruned, whole); diff != "" {
		t.Errorf("%s %s: pruned decoding changes the result (-pruned +whole):\n%s", r.Request.Method, r.Request.URL, diff)
	}
}

func TestShapeOf(t *testing.T) {
	for _, tc := range []struct {
		name   string
		schema any
		want   *shape
	}{
		{"empty", map[string]any{}, nil},
		{"true", true, nil},
		{"scalar", map[string]any{"type": "string", "pattern": "x", "x-note": 1}, &shape{}},
		{"closed object", map[string]any{"type": "object", "additionalProperties": false}, wholeShape},
		{"enum", map[string]any{"enum": []any{1}}, wholeShape},
		{"object", map[string]any{"required": []any{"a"}, "properties": map[string]any{"b": map[string]any{"type": "integer"}, "c": map[string]any{}}},
			&shape{props: map[string]*shape{"a": nil, "b": {}, "c": nil}}},
		{"allOf", map[string]any{"allOf": []any{
			map[string]any{"properties": map[string]any{"items": map[string]any{"type": "array"}}},
			map[string]any{"properties": map[string]any{"items": map[string]any{"items": map[string]any{"properties": map[string]any{"id": map[string]any{"type": "integer"}}}}}},
		}}, &shape{props: map[string]*shape{"items": {items: &shape{props: map[string]*shape{"id": {}}}}}}},
		{"unknown keyword", map[string]any{"if": map[string]any{}}, wholeShape},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(shapeOf(tc.schema), tc.want, cmp.AllowUnexported(shape{})); diff != "" {
				t.Errorf("shapeOf (-got +want):\n%s", diff)
			}
		})
	}
}
