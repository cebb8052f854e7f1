package contract

// A shape says which parts of a JSON value a schema can judge, so that the
// decoder builds only those: a page of twenty transactions whose schema
// names six of their seventeen fields is decoded as six fields per item.
// What no keyword can see cannot give a finding, so leaving it out of the
// tree changes no result (TestPrunedDecodingChangesNothing holds it).
//
// A nil *shape is a value no keyword constrains (the empty schema, an
// x-unseen part): it is skipped and stands as null. A shape with all set is
// decoded whole: the schema looks at every key or item, or uses a keyword
// this file does not reason about. Otherwise an object keeps the keys in
// props (none when props is nil) and an array keeps every item, decoded
// with the items shape.
type shape struct {
	all bool
	// props are the object keys kept; a key mapped to nil is kept (its
	// presence can matter) with its value skipped.
	props map[string]*shape
	items *shape
}

// wholeShape decodes everything.
var wholeShape = &shape{all: true}

// valueKeywords constrain a value itself, not the keys or items below it;
// annotations and extensions constrain nothing.
var valueKeywords = map[string]bool{
	"type": true, "format": true, "pattern": true, "minLength": true, "maxLength": true,
	"minimum": true, "maximum": true, "exclusiveMinimum": true, "exclusiveMaximum": true, "multipleOf": true,
	"minItems": true, "maxItems": true, "description": true, "title": true, "default": true, "examples": true,
	"example": true, "deprecated": true, "readOnly": true, "writeOnly": true, "nullable": true,
	"$schema": true, "$comment": true, "contentEncoding": true, "contentMediaType": true,
}

// shapeOf returns the shape of a rendered schema.
func shapeOf(schema any) *shape {
	m, ok := schema.(map[string]any)
	if !ok {
		if b, isBool := schema.(bool); isBool && b {
			return nil
		}
		return wholeShape
	}
	var s *shape
	for k, v := range m {
		switch {
		case valueKeywords[k] || len(k) > 2 && k[:2] == "x-":
			if s == nil {
				s = &shape{}
			}
		case k == "properties":
			s = merge(s, propsShape(v))
		case k == "required":
			s = merge(s, requiredShape(v))
		case k == "items":
			s = merge(s, &shape{items: shapeOf(v)})
		case k == "allOf" || k == "anyOf" || k == "oneOf":
			branches, _ := v.([]any)
			if len(branches) == 0 {
				return wholeShape
			}
			for _, b := range branches {
				s = merge(s, orEmpty(shapeOf(b)))
			}
		default:
			return wholeShape
		}
	}
	return s
}

func propsShape(v any) *shape {
	props, ok := v.(map[string]any)
	if !ok {
		return wholeShape
	}
	s := &shape{props: make(map[string]*shape, len(props))}
	for name, sub := range props {
		s.props[name] = shapeOf(sub)
	}
	return s
}

func requiredShape(v any) *shape {
	names, ok := v.([]any)
	if !ok {
		return wholeShape
	}
	s := &shape{props: make(map[string]*shape, len(names))}
	for _, n := range names {
		name, ok := n.(string)
		if !ok {
			return wholeShape
		}
		s.props[name] = nil
	}
	return s
}

// orEmpty turns "constrains nothing" into a shape that keeps nothing, so a
// branch without constraints does not hide its siblings' keys.
func orEmpty(s *shape) *shape {
	if s == nil {
		return &shape{}
	}
	return s
}

// merge is the union of two shapes: what either keeps is kept.
func merge(a, b *shape) *shape {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	case a.all || b.all:
		return wholeShape
	}
	out := &shape{items: mergeItems(a.items, b.items)}
	if a.props != nil || b.props != nil {
		out.props = make(map[string]*shape, len(a.props)+len(b.props))
		for k, v := range a.props {
			out.props[k] = v
		}
		for k, v := range b.props {
			if prev, ok := out.props[k]; ok {
				out.props[k] = merge(prev, v)
			} else {
				out.props[k] = v
			}
		}
	}
	return out
}

func mergeItems(a, b *shape) *shape {
	if a == nil || b == nil {
		if a == nil {
			return b
		}
		return a
	}
	return merge(a, b)
}
