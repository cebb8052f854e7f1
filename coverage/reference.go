package coverage

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// refRoot is the part of a call a reference reads.
type refRoot uint8

const (
	refReqBody refRoot = iota
	refRespBody
	refQuery
	refReqHeader
	refRespHeader
	refPath
	refHost
	refMethod
	refURLPath
	refStatus
	refSynthetic
	refErrorKind
	refErrorMessage
)

// callRef names one part of a call: "response.body.items[].cardId",
// "request.query.offset", "path.cardId", "response.status", ….
type callRef struct {
	root refRoot
	name string   // parameter or header name
	path []string // JSON path below a body
	src  string
	slot int // a body reference's slot in the per-record cache (body.go), or 0
}

// fixedRef returns the root of the references that read no body, header
// or parameter.
func fixedRef(s string) (refRoot, bool) {
	switch s {
	case "request.host":
		return refHost, true
	case "request.method":
		return refMethod, true
	case "request.path":
		return refURLPath, true
	case "response.status":
		return refStatus, true
	case "response.synthetic":
		return refSynthetic, true
	case "error.kind":
		return refErrorKind, true
	case "error.message":
		return refErrorMessage, true
	}
	return 0, false
}

// parseCallRef parses a reference; params are the path parameters the
// matched templates define.
func parseCallRef(s string, params []string) (callRef, error) {
	r := callRef{src: s}
	if root, ok := fixedRef(s); ok {
		r.root = root
		return r, nil
	}
	for _, p := range []struct {
		prefix string
		root   refRoot
	}{{"request.body", refReqBody}, {"response.body", refRespBody}} {
		if rest, ok := strings.CutPrefix(s, p.prefix); ok && (rest == "" || rest[0] == '.' || rest[0] == '[') {
			r.root = p.root
			path, err := parseJSONPath(rest)
			r.path = path
			return r, err
		}
	}
	for _, p := range []struct {
		prefix string
		root   refRoot
	}{{"request.query.", refQuery}, {"request.header.", refReqHeader}, {"response.header.", refRespHeader}, {"path.", refPath}} {
		if name, ok := strings.CutPrefix(s, p.prefix); ok && name != "" {
			r.root, r.name = p.root, name
			if p.root == refReqHeader || p.root == refRespHeader {
				r.name = http.CanonicalHeaderKey(name)
			}
			if p.root == refPath && !slices.Contains(params, name) {
				return r, fmt.Errorf("%q: the matched templates have no path parameter {%s}", s, name)
			}
			return r, nil
		}
	}
	return r, fmt.Errorf("%q: unknown reference (want request.body…, response.body…, request.query.NAME, request.header.NAME, response.header.NAME, path.NAME, request.host, request.method, request.path, response.status, response.synthetic, error.kind or error.message)", s)
}

// parseJSONPath parses ".a.b[].c" into ["a", "b", "[]", "c"].
func parseJSONPath(s string) ([]string, error) {
	var out []string
	for s != "" {
		switch {
		case strings.HasPrefix(s, eachSeg):
			out, s = append(out, eachSeg), s[len(eachSeg):]
		case s[0] == '.':
			end := strings.IndexAny(s[1:], ".[")
			if end < 0 {
				end = len(s) - 1
			}
			seg := s[1 : end+1]
			if seg == "" {
				return nil, fmt.Errorf("empty segment in JSON path %q", s)
			}
			out, s = append(out, seg), s[end+1:]
		default:
			return nil, fmt.Errorf("bad JSON path at %q (segments are .name or [])", s)
		}
	}
	return out, nil
}

// each calls fn with every value the reference finds in the call, until fn
// returns true. It reports whether fn did, and whether the answer is
// unknown because the body was truncated before the value could be seen.
func (r *callRef) each(rt *routes, v *callView, fn func(value) bool) (stopped, unknown bool) {
	switch r.root {
	case refReqBody, refRespBody:
		b := &v.req
		if r.root == refRespBody {
			b = &v.resp
		}
		if len(r.path) == 0 {
			// Part of a whole body is no whole body: what it does not
			// contain may be in the part that was cut.
			if b.doc == "" || b.trunc {
				return false, b.trunc
			}
			return fn(textValue(b.doc)), false
		}
		raws := v.bodyRaws(r, b)
		for _, raw := range raws {
			if fn(rawValue(raw)) {
				return true, false
			}
		}
		return false, b.trunc && len(raws) == 0
	case refQuery:
		if s, ok := v.queryParam(r.name); ok {
			return fn(textValue(s)), false
		}
	case refReqHeader, refRespHeader:
		if s, ok := r.header(v); ok {
			return fn(textValue(s)), false
		}
	case refPath:
		if s, ok := v.param(rt, r.name); ok {
			return fn(textValue(s)), false
		}
	case refHost:
		return fn(textValue(v.host)), false
	case refMethod:
		return fn(textValue(v.method)), false
	case refURLPath:
		return fn(textValue(v.path)), false
	case refStatus:
		if v.hasResp {
			return fn(numValue(float64(v.status))), false
		}
	case refSynthetic:
		return fn(boolValue(v.synthetic)), false
	case refErrorKind:
		if v.errKind != "" {
			return fn(textValue(v.errKind)), false
		}
	case refErrorMessage:
		if v.rec.Error != nil {
			return fn(textValue(v.rec.Error.Message)), false
		}
	}
	return false, false
}

func (r *callRef) header(v *callView) (string, bool) {
	h := v.rec.Request.Header
	if r.root == refRespHeader {
		if v.rec.Response == nil {
			return "", false
		}
		h = v.rec.Response.Header
	}
	vals := h[r.name]
	if len(vals) == 0 {
		return "", false
	}
	return vals[0], true
}

// first returns the first value the reference finds.
func (r *callRef) first(rt *routes, v *callView) (value, bool) {
	var out value
	found, _ := r.each(rt, v, func(x value) bool { out = x; return true })
	return out, found
}
