package contract

import (
	"net/url"
	"strings"
)

// router maps an API path to its operations: the most specific template
// wins (a literal segment over a parameter), then the method is chosen, as
// the API routes: GET /otp/listeners is not GET /otp/{token}. It is built
// once by Parse and read-only afterwards.
type router struct {
	root node
}

type node struct {
	lits  map[string]*node
	param *node
	// ops are the operations whose template ends here, by method.
	ops map[string]*operation
}

func (rt *router) add(op *operation) {
	n := &rt.root
	for _, seg := range splitPath(op.Template) {
		if isParam(seg) {
			if n.param == nil {
				n.param = &node{}
			}
			n = n.param
			continue
		}
		if n.lits == nil {
			n.lits = map[string]*node{}
		}
		next := n.lits[seg]
		if next == nil {
			next = &node{}
			n.lits[seg] = next
		}
		n = next
	}
	if n.ops == nil {
		n.ops = map[string]*operation{}
	}
	n.ops[op.Method] = op
}

// lookup returns the operation for method and the API path p, the values
// of its path parameters in template order, and whether the path matched
// at all (with another method when op is nil).
func (rt *router) lookup(method, p string) (op *operation, vals []string, pathFound bool) {
	segs := splitPath(p)
	if len(segs) == 0 {
		return nil, nil, false
	}
	n := rt.walk(&rt.root, segs, &vals)
	if n == nil {
		return nil, nil, false
	}
	return n.ops[method], vals, true
}

// walk returns the node segs end at, trying the literal before the
// parameter at each segment.
func (rt *router) walk(n *node, segs []string, vals *[]string) *node {
	if len(segs) == 0 {
		if len(n.ops) == 0 {
			return nil
		}
		return n
	}
	if next := n.lits[segs[0]]; next != nil {
		if end := rt.walk(next, segs[1:], vals); end != nil {
			return end
		}
	}
	if n.param == nil || segs[0] == "" {
		return nil
	}
	mark := len(*vals)
	*vals = append(*vals, segs[0])
	if end := rt.walk(n.param, segs[1:], vals); end != nil {
		return end
	}
	*vals = (*vals)[:mark]
	return nil
}

func splitPath(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

func isParam(seg string) bool {
	return len(seg) > 2 && seg[0] == '{' && seg[len(seg)-1] == '}'
}

// urlPath returns the path of a recorded URL (absolute, or a path with a
// query), unescaped.
func urlPath(raw string) string {
	if i := strings.IndexAny(raw, "?#"); i >= 0 {
		raw = raw[:i]
	}
	if i := strings.Index(raw, "://"); i >= 0 {
		rest := raw[i+3:]
		j := strings.IndexByte(rest, '/')
		if j < 0 {
			return "/"
		}
		raw = rest[j:]
	}
	if strings.IndexByte(raw, '%') >= 0 {
		if p, err := url.PathUnescape(raw); err == nil {
			return p
		}
	}
	return raw
}

// rawQuery returns the query of a recorded URL, without the '?'.
func rawQuery(raw string) string {
	i := strings.IndexByte(raw, '?')
	if i < 0 {
		return ""
	}
	q := raw[i+1:]
	if j := strings.IndexByte(q, '#'); j >= 0 {
		q = q[:j]
	}
	return q
}

// apiPath strips the longest server base path ("/v2") from p.
func (s *Spec) apiPath(p string) string {
	for _, b := range s.bases {
		if rest, ok := strings.CutPrefix(p, b); ok && (rest == "" || rest[0] == '/') {
			return rest
		}
	}
	return p
}
