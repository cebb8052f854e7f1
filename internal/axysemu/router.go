package axysemu

import (
	"slices"
	"strings"
)

// handlerFunc serves one endpoint. It runs under the state lock with every
// due event applied, and returns the value to encode with 200, or an error
// (an *apiError for the API's own answers).
type handlerFunc func(e *Emulator, c *call) (any, error)

// pattern is one path template below /v2 with the handlers for its methods.
type pattern struct {
	segs    []string // literal segments, or "" for a {parameter}
	staging bool     // under /staging: 404 in production, no chaos
	methods map[string]handlerFunc
	allow   string // the Allow header for 405s
}

// router matches a path to the most specific pattern (a literal segment beats
// a parameter, leftmost first), then the method within it. It is built once
// by New and read-only afterwards.
type router struct {
	patterns []*pattern
}

func (rt *router) add(method, path string, h handlerFunc) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	for i, s := range segs {
		if strings.HasPrefix(s, "{") {
			segs[i] = ""
		}
	}
	for _, p := range rt.patterns {
		if slices.Equal(p.segs, segs) {
			p.methods[method] = h
			p.allow = allowHeader(p.methods)
			return
		}
	}
	p := &pattern{segs: segs, staging: segs[0] == "staging", methods: map[string]handlerFunc{method: h}}
	p.allow = allowHeader(p.methods)
	rt.patterns = append(rt.patterns, p)
}

func allowHeader(m map[string]handlerFunc) string {
	var ms []string
	for k := range m {
		ms = append(ms, k)
	}
	slices.Sort(ms)
	return strings.Join(ms, ", ")
}

// match finds the pattern for a path below /v2 (no leading slash) and the
// values of its parameters; nil when no pattern matches.
func (rt *router) match(path string) (*pattern, []string) {
	segs := strings.Split(path, "/")
	var best *pattern
	for _, p := range rt.patterns {
		if len(p.segs) == len(segs) && fits(p.segs, segs) && (best == nil || moreSpecific(p.segs, best.segs)) {
			best = p
		}
	}
	if best == nil {
		return nil, nil
	}
	var params []string
	for i, s := range best.segs {
		if s == "" {
			params = append(params, segs[i])
		}
	}
	return best, params
}

func fits(pat, segs []string) bool {
	for i, s := range pat {
		if segs[i] == "" || (s != "" && s != segs[i]) {
			return false
		}
	}
	return true
}

// moreSpecific reports whether a has a literal where b has a parameter at
// the first position where they differ.
func moreSpecific(a, b []string) bool {
	for i := range a {
		if (a[i] == "") != (b[i] == "") {
			return a[i] != ""
		}
	}
	return false
}
