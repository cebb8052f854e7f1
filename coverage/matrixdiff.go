package coverage

import (
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// MatrixDiff says how a matrix differs from a base matrix (the built-in
// one): what a program excused itself from, which an auditor must see.
// Requirements are compared by id and by their whole definition (rule,
// forbid, steps and texts): one kept with the same id but another
// definition is Replaced.
type MatrixDiff struct {
	// Base is the matrix compared against.
	Base MatrixRef
	// Kept are the base's requirements present unchanged, Dropped those
	// missing, Replaced those with the same id and another definition,
	// Added the requirements the base does not have; each in matrix order.
	Kept, Dropped, Replaced, Added []string
	// Sections lists the changes to entities, state sources and aliases,
	// e.g. "entities: added wallet_note" or "state: 2 added, 1 removed".
	Sections []string
}

// Unchanged reports whether the matrix is the base one.
func (d MatrixDiff) Unchanged() bool {
	return len(d.Dropped)+len(d.Replaced)+len(d.Added)+len(d.Sections) == 0
}

// Extends reports whether the matrix keeps any of the base's requirements
// unchanged: it is the base, amended (an "extends: axys-v2" matrix, after
// its drops and replacements, is one).
func (d MatrixDiff) Extends() bool { return len(d.Kept) > 0 }

// DiffFromDefault compares m with the built-in matrix.
func DiffFromDefault(m *Matrix) (MatrixDiff, error) {
	return DiffMatrices(DefaultMatrix(), m)
}

// DiffMatrices compares m with base, from their canonical forms.
func DiffMatrices(base, m *Matrix) (MatrixDiff, error) {
	b, err := diffDoc(base.Canonical())
	if err != nil {
		return MatrixDiff{}, fmt.Errorf("compare matrices: %s: %w", base.ID(), err)
	}
	n, err := diffDoc(m.Canonical())
	if err != nil {
		return MatrixDiff{}, fmt.Errorf("compare matrices: %s: %w", m.ID(), err)
	}
	d := MatrixDiff{Base: base.Ref()}
	for _, id := range b.reqOrder {
		switch def, ok := n.reqs[id]; {
		case !ok:
			d.Dropped = append(d.Dropped, id)
		case def != b.reqs[id]:
			d.Replaced = append(d.Replaced, id)
		default:
			d.Kept = append(d.Kept, id)
		}
	}
	for _, id := range n.reqOrder {
		if _, ok := b.reqs[id]; !ok {
			d.Added = append(d.Added, id)
		}
	}
	for _, sec := range sectionNames(b, n) {
		if _, isMap := b.maps[sec]; isMap || n.maps[sec] != nil {
			d.Sections = append(d.Sections, diffMapping(sec, b.maps[sec], n.maps[sec])...)
		} else if msg := diffItems(sec, b.lists[sec], n.lists[sec]); msg != "" {
			d.Sections = append(d.Sections, msg)
		}
	}
	return d, nil
}

// matrixParts is a canonical matrix split for comparison: every
// requirement, and every entry of the other sections (entities, state,
// aliases, …: mappings by key, lists by item), as its encoded YAML.
type matrixParts struct {
	reqOrder []string
	reqs     map[string]string
	maps     map[string]map[string]string
	lists    map[string][]string
}

func diffDoc(canonical []byte) (*matrixParts, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(canonical, &doc); err != nil {
		return nil, err
	}
	if len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("not a matrix document")
	}
	root := doc.Content[0]
	p := &matrixParts{reqs: map[string]string{}, maps: map[string]map[string]string{}, lists: map[string][]string{}}
	for i := 0; i+1 < len(root.Content); i += 2 {
		if err := p.addSection(root.Content[i].Value, root.Content[i+1]); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func (p *matrixParts) addSection(key string, val *yaml.Node) error {
	switch {
	case key == "id" || key == "version" || key == "title":
		return nil
	case key == "requirements":
		return p.addRequirements(val)
	case val.Kind == yaml.MappingNode:
		p.maps[key] = map[string]string{}
		for j := 0; j+1 < len(val.Content); j += 2 {
			def, err := encodeNode(val.Content[j+1])
			if err != nil {
				return err
			}
			p.maps[key][val.Content[j].Value] = def
		}
	default:
		list := val.Content
		if val.Kind != yaml.SequenceNode {
			list = []*yaml.Node{val}
		}
		for _, item := range list {
			def, err := encodeNode(item)
			if err != nil {
				return err
			}
			p.lists[key] = append(p.lists[key], def)
		}
	}
	return nil
}

func (p *matrixParts) addRequirements(list *yaml.Node) error {
	for _, r := range list.Content {
		id := ""
		for j := 0; j+1 < len(r.Content); j += 2 {
			if r.Content[j].Value == "id" {
				id = r.Content[j+1].Value
			}
		}
		def, err := encodeNode(r)
		if err != nil {
			return err
		}
		p.reqOrder = append(p.reqOrder, id)
		p.reqs[id] = def
	}
	return nil
}

func encodeNode(n *yaml.Node) (string, error) {
	b, err := yaml.Marshal(n)
	return string(b), err
}

// sectionNames lists the sections other than requirements of both
// matrices, sorted.
func sectionNames(a, b *matrixParts) []string {
	var names []string
	for _, p := range []*matrixParts{a, b} {
		for k := range p.maps {
			names = append(names, k)
		}
		for k := range p.lists {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// diffMapping names the entries of a mapping section added, removed and
// changed.
func diffMapping(section string, base, m map[string]string) []string {
	var added, removed, changed []string
	for name, def := range m {
		switch old, ok := base[name]; {
		case !ok:
			added = append(added, name)
		case old != def:
			changed = append(changed, name)
		}
	}
	for name := range base {
		if _, ok := m[name]; !ok {
			removed = append(removed, name)
		}
	}
	var out []string
	for _, g := range []struct {
		what  string
		names []string
	}{{"added", added}, {"removed", removed}, {"changed", changed}} {
		if len(g.names) > 0 {
			slices.Sort(g.names)
			out = append(out, fmt.Sprintf("%s: %s %s", section, g.what, strings.Join(g.names, ", ")))
		}
	}
	return out
}

// diffItems counts the items of a list section added and removed.
func diffItems(section string, base, m []string) string {
	count := map[string]int{}
	for _, s := range base {
		count[s]++
	}
	added := 0
	for _, s := range m {
		if count[s] > 0 {
			count[s]--
			continue
		}
		added++
	}
	removed := 0
	for _, n := range count {
		removed += n
	}
	switch {
	case added > 0 && removed > 0:
		return fmt.Sprintf("%s: %d added, %d removed", section, added, removed)
	case added > 0:
		return fmt.Sprintf("%s: %d added", section, added)
	case removed > 0:
		return fmt.Sprintf("%s: %d removed", section, removed)
	}
	return ""
}
