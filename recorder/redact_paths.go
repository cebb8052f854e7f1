package recorder

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// JSON path rules select values by where they are in a JSON document:
// "$.cardholder.ssn", "$.items[*].account", "$['user.ssn']", "$.a[0].b",
// "$.*.token". "$." may be left out ("cardholder.ssn"). There is no
// recursive descent: a name secret at any depth is a field rule.

// pathSeg is one step of a JSON path.
type pathSeg struct {
	kind  pathSegKind
	key   string
	index int
}

type pathSegKind uint8

const (
	segKey      pathSegKind = iota // .name or ['name']
	segIndex                       // [n]
	segAnyIndex                    // [*]
	segAny                         // .* : any key or index
)

type jsonPath []pathSeg

var errEmptyPath = errors.New("empty JSON path")

// parseJSONPath compiles a JSON path.
func parseJSONPath(s string) (jsonPath, error) {
	src := s
	s = strings.TrimPrefix(s, "$")
	if s == "" {
		return nil, fmt.Errorf("json path %q: %w", src, errEmptyPath)
	}
	if s != src && s[0] != '.' && s[0] != '[' {
		return nil, fmt.Errorf("json path %q: want '.' or '[' after '$'", src)
	}
	if s[0] != '.' && s[0] != '[' {
		s = "." + s
	}
	var p jsonPath
	for s != "" {
		seg, rest, err := parsePathSeg(s)
		if err != nil {
			return nil, fmt.Errorf("json path %q: %w", src, err)
		}
		p, s = append(p, seg), rest
	}
	return p, nil
}

func parsePathSeg(s string) (pathSeg, string, error) {
	if s[0] == '.' {
		end := strings.IndexAny(s[1:], ".[")
		if end < 0 {
			end = len(s) - 1
		}
		name := s[1 : 1+end]
		switch name {
		case "":
			return pathSeg{}, "", errors.New("empty key (recursive descent '..' is not supported; use a field rule)")
		case "*":
			return pathSeg{kind: segAny}, s[1+end:], nil
		}
		return pathSeg{kind: segKey, key: name}, s[1+end:], nil
	}
	end := strings.IndexByte(s, ']')
	if end < 0 {
		return pathSeg{}, "", errors.New("unclosed '['")
	}
	inner, rest := s[1:end], s[end+1:]
	switch {
	case inner == "*":
		return pathSeg{kind: segAnyIndex}, rest, nil
	case len(inner) >= 2 && (inner[0] == '\'' || inner[0] == '"') && inner[len(inner)-1] == inner[0]:
		return pathSeg{kind: segKey, key: inner[1 : len(inner)-1]}, rest, nil
	}
	n, err := strconv.Atoi(inner)
	if err != nil || n < 0 {
		return pathSeg{}, "", fmt.Errorf("bad index [%s] (want a number, *, or a quoted key)", inner)
	}
	return pathSeg{kind: segIndex, index: n}, rest, nil
}

// matches reports whether the path selects the value about to start in
// j (at the location given by its open containers).
func (p jsonPath) matches(j *jsonRedaction) bool {
	if len(p) != j.depth {
		return false
	}
	for i, seg := range p {
		f := j.frame(i)
		switch seg.kind {
		case segAny:
		case segAnyIndex:
			if f.object {
				return false
			}
		case segIndex:
			if f.object || f.index != seg.index {
				return false
			}
		case segKey:
			if !f.object || !keyEquals(f.key, seg.key) {
				return false
			}
		}
	}
	return true
}

// keyEquals compares the inside of a JSON key token with a key.
func keyEquals(raw []byte, key string) bool {
	if !hasByte(raw, '\\') {
		return string(raw) == key
	}
	return string(canonical(raw, decodeJSON).text) == key
}
