package coverage

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// MatrixError is a mistake in a matrix file, at a line of it.
type MatrixError struct {
	Line int
	Msg  string
}

func (e *MatrixError) Error() string {
	if e.Line <= 0 {
		return e.Msg
	}
	return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
}

func nodeErr(n *yaml.Node, format string, args ...any) error {
	line := 0
	if n != nil {
		line = n.Line
	}
	return &MatrixError{Line: line, Msg: fmt.Sprintf(format, args...)}
}

// fields reads a mapping strictly: every key must be among allowed and
// appear once. It returns the values by key.
func fields(n *yaml.Node, what string, allowed ...string) (map[string]*yaml.Node, error) {
	if n.Kind != yaml.MappingNode {
		return nil, nodeErr(n, "%s: want a mapping with keys %s", what, strings.Join(allowed, ", "))
	}
	out := make(map[string]*yaml.Node, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if !slices.Contains(allowed, k.Value) {
			return nil, nodeErr(k, "%s: unknown key %q (known: %s)", what, k.Value, strings.Join(allowed, ", "))
		}
		if _, dup := out[k.Value]; dup {
			return nil, nodeErr(k, "%s: key %q appears twice", what, k.Value)
		}
		out[k.Value] = v
	}
	return out, nil
}

// need returns the value of a required key.
func need(f map[string]*yaml.Node, parent *yaml.Node, what, key string) (*yaml.Node, error) {
	if v, ok := f[key]; ok {
		return v, nil
	}
	return nil, nodeErr(parent, "%s: %q is required", what, key)
}

func scalar(n *yaml.Node, what string) (string, error) {
	if n.Kind != yaml.ScalarNode {
		return "", nodeErr(n, "%s: want a single value", what)
	}
	return n.Value, nil
}

// strList reads a scalar or a sequence of scalars.
func strList(n *yaml.Node, what string) ([]string, error) {
	if n.Kind == yaml.ScalarNode {
		return []string{n.Value}, nil
	}
	if n.Kind != yaml.SequenceNode {
		return nil, nodeErr(n, "%s: want a value or a list of values", what)
	}
	out := make([]string, 0, len(n.Content))
	for _, c := range n.Content {
		s, err := scalar(c, what)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// items returns the elements of a sequence; a single mapping or scalar
// counts as a list of one.
func items(n *yaml.Node) []*yaml.Node {
	if n.Kind == yaml.SequenceNode {
		return n.Content
	}
	return []*yaml.Node{n}
}

func boolValueOf(n *yaml.Node, what string) (bool, error) {
	s, err := scalar(n, what)
	if err != nil {
		return false, err
	}
	switch s {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, nodeErr(n, "%s: want true or false, not %q", what, s)
}

func intValueOf(n *yaml.Node, what string, lo int) (int, error) {
	s, err := scalar(n, what)
	if err != nil {
		return 0, err
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < lo {
		return 0, nodeErr(n, "%s: want an integer ≥ %d, not %q", what, lo, s)
	}
	return v, nil
}

// durationOf reads a positive duration such as 250ms, 30s, 5m, 2h or 7d.
func durationOf(n *yaml.Node, what string) (time.Duration, error) {
	s, err := scalar(n, what)
	if err != nil {
		return 0, err
	}
	d, err := parseDuration(s)
	if err != nil {
		return 0, nodeErr(n, "%s: %v", what, err)
	}
	return d, nil
}

func parseDuration(s string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n <= 0 {
			return 0, fmt.Errorf("bad duration %q (e.g. 250ms, 30s, 5m, 2h, 7d)", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("bad duration %q (e.g. 250ms, 30s, 5m, 2h, 7d)", s)
	}
	return d, nil
}

// plainNode strips comments and styles from a node tree in place, so it
// encodes the same way whatever the source looked like.
func plainNode(n *yaml.Node) {
	n.HeadComment, n.LineComment, n.FootComment = "", "", ""
	n.Style = 0
	for _, c := range n.Content {
		plainNode(c)
	}
}

// mapGet returns the value of key in a mapping node.
func mapGet(n *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// mapSet sets key in a mapping node, appending it when absent.
func mapSet(n *yaml.Node, key string, v *yaml.Node) {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			n.Content[i+1] = v
			return
		}
	}
	n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, v)
}

// mapDelete removes key from a mapping node.
func mapDelete(n *yaml.Node, key string) {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			n.Content = slices.Delete(n.Content, i, i+2)
			return
		}
	}
}
