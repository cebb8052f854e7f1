package coverage

import (
	"maps"
	"slices"
	"strings"

	"github.com/evidence-proxy/evidence-proxy/contract"
)

// With the API's description, the inventory is the description's: every
// endpoint it documents, exercised or not, in its order (marked
// Documented), then "other" for every call outside it. Report.Undocumented
// breaks the calls outside the description (or, without one, outside the
// catalogue) down by method and path shape, ids in the path shown as
// {id}, for the first MaxUndocumented shapes; "other" counts them all.

// MaxUndocumented bounds the undocumented endpoints an inventory names.
const MaxUndocumented = 32

// specInventory counts calls per endpoint of a description.
type specInventory struct {
	spec *contract.Spec
	eps  []contract.Endpoint
	// row maps "METHOD template" to the endpoint's index; byCat maps a
	// catalogue index to it (-1: not in the description), which spares a
	// lookup when the description has the catalogue's endpoint.
	row      map[string]int
	byCat    []int
	calls    []int
	statuses []map[int]int
}

func newSpecInventory(spec *contract.Spec) *specInventory {
	s := &specInventory{spec: spec, eps: spec.Endpoints(), row: map[string]int{}, byCat: make([]int, len(catalogue))}
	s.calls = make([]int, len(s.eps)+1)
	s.statuses = make([]map[int]int, len(s.eps)+1)
	for i, ep := range s.eps {
		s.row[ep.Method+" "+ep.Template] = i
	}
	for i := range s.statuses {
		s.statuses[i] = map[int]int{}
	}
	for i, ep := range catalogue {
		s.byCat[i] = -1
		if r, ok := s.row[ep.Method+" "+ep.Template]; ok {
			s.byCat[i] = r
		}
	}
	return s
}

// add counts call v; it reports whether the description documents it.
func (s *specInventory) add(v *callView) bool {
	r := -1
	if v.ep >= 0 {
		r = s.byCat[v.ep]
	}
	if r < 0 && v.method != "CONNECT" {
		if t := s.spec.EndpointTemplate(v.method, v.rec.Request.URL); t != contract.OtherEndpoint {
			if i, ok := s.row[strings.ToUpper(v.method)+" "+t]; ok {
				r = i
			}
		}
	}
	documented := r >= 0
	if !documented {
		r = len(s.eps)
	}
	s.calls[r]++
	s.statuses[r][v.status]++
	return documented
}

func (s *specInventory) report() []EndpointUse {
	out := make([]EndpointUse, 0, len(s.eps)+1)
	for i, ep := range s.eps {
		out = append(out, EndpointUse{Method: ep.Method, Template: ep.Template, Calls: s.calls[i], Statuses: statusMap(s.statuses[i]), Documented: true})
	}
	o := len(s.eps)
	return append(out, EndpointUse{Method: "*", Template: OtherEndpoint, Calls: s.calls[o], Statuses: statusMap(s.statuses[o])})
}

// undocumented counts the calls outside the description by method and
// path shape.
type undocumented struct {
	byKey map[string]int
	rows  []EndpointUse
	// beyond counts the calls of shapes past MaxUndocumented.
	beyond int
}

func (u *undocumented) add(v *callView) {
	method, shape := v.method, "(no path)"
	if method == "CONNECT" {
		shape = v.host
	} else if _, path, _ := splitURL(v.rec.Request.URL); path != "" {
		shape = pathShape(path)
	}
	key := method + " " + shape
	i, ok := u.byKey[key]
	if !ok {
		if len(u.rows) >= MaxUndocumented {
			u.beyond++
			return
		}
		i = len(u.rows)
		u.byKey[strings.Clone(key)] = i
		u.rows = append(u.rows, EndpointUse{Method: strings.Clone(method), Template: shape, Statuses: map[string]int{}})
	}
	u.rows[i].Calls++
	u.rows[i].Statuses[statusKey(v.status)]++
}

// maxShape bounds the length of a path shape.
const maxShape = 120

// pathShape is a path with each segment holding a digit, but a leading
// version (v2), shown as {id}: /v2/cardholderz/123 is
// /v2/cardholderz/{id}.
func pathShape(path string) string {
	var b strings.Builder
	for i, seg := range strings.Split(strings.TrimPrefix(path, "/"), "/") {
		b.WriteByte('/')
		if strings.ContainsAny(seg, "0123456789") && (i > 0 || !apiVersion(seg)) {
			b.WriteString("{id}")
		} else {
			b.WriteString(seg)
		}
		if b.Len() > maxShape {
			return b.String()[:maxShape] + "…"
		}
	}
	return b.String()
}

// apiVersion reports whether a segment is a version: v and digits.
func apiVersion(seg string) bool {
	return len(seg) > 1 && seg[0] == 'v' && strings.Trim(seg[1:], "0123456789") == ""
}

// report returns the undocumented endpoints seen, sorted by method and
// shape; nil when none.
func (u *undocumented) report() []EndpointUse {
	if len(u.rows) == 0 {
		return nil
	}
	out := make([]EndpointUse, len(u.rows))
	for i, r := range u.rows {
		r.Statuses = maps.Clone(r.Statuses)
		out[i] = r
	}
	slices.SortFunc(out, func(a, b EndpointUse) int {
		return strings.Compare(a.Method+" "+a.Template, b.Method+" "+b.Template)
	})
	return out
}
