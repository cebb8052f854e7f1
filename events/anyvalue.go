package events

import (
	"encoding/base64"
	"strconv"

	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
)

// appendAnyValue appends an OTLP attribute value as JSON. The mapping is
// fixed, so the same log record always gives the same bytes:
//
//	string        JSON string (invalid UTF-8 replaced by U+FFFD)
//	bool          true / false
//	int (int64)   JSON number, exact decimal (never a float, never quoted)
//	double        JSON number as encoding/json writes a float64; NaN and
//	              ±Inf as the strings "NaN", "Infinity", "-Infinity"
//	bytes         JSON string, standard base64 with padding
//	array         JSON array of the mapped values, in order
//	kvlist        JSON object, keys sorted, the last of duplicate keys kept
//	empty (unset) null
//
// Values nested deeper than maxDepth are replaced by a marker string and
// cut is set.
func appendAnyValue(dst []byte, v *commonpb.AnyValue, depth int, cut *bool) []byte {
	switch x := v.GetValue().(type) {
	case *commonpb.AnyValue_StringValue:
		return appendJSONString(dst, x.StringValue)
	case *commonpb.AnyValue_BoolValue:
		return strconv.AppendBool(dst, x.BoolValue)
	case *commonpb.AnyValue_IntValue:
		return strconv.AppendInt(dst, x.IntValue, 10)
	case *commonpb.AnyValue_DoubleValue:
		return appendJSONFloat(dst, x.DoubleValue)
	case *commonpb.AnyValue_BytesValue:
		dst = append(dst, '"')
		dst = base64.StdEncoding.AppendEncode(dst, x.BytesValue)
		return append(dst, '"')
	case *commonpb.AnyValue_ArrayValue:
		if depth >= maxDepth {
			*cut = true
			return append(dst, tooDeep...)
		}
		dst = append(dst, '[')
		for i, e := range x.ArrayValue.GetValues() {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendAnyValue(dst, e, depth+1, cut)
		}
		return append(dst, ']')
	case *commonpb.AnyValue_KvlistValue:
		if depth >= maxDepth {
			*cut = true
			return append(dst, tooDeep...)
		}
		return appendObject(dst, keyValueMembers(x.KvlistValue.GetValues(), depth+1, cut))
	}
	return append(dst, "null"...)
}

// keyValueMembers encodes OTLP key-value pairs as sorted members.
func keyValueMembers(kvs []*commonpb.KeyValue, depth int, cut *bool) []member {
	ms := make([]member, 0, len(kvs))
	for _, kv := range kvs {
		ms = append(ms, member{key: kv.GetKey(), raw: appendAnyValue(nil, kv.GetValue(), depth, cut)})
	}
	return sortMembers(ms)
}

// stringValue returns v's text when it is a string value.
func stringValue(v *commonpb.AnyValue) (string, bool) {
	x, ok := v.GetValue().(*commonpb.AnyValue_StringValue)
	if !ok {
		return "", false
	}
	return x.StringValue, true
}
