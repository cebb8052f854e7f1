package axysemu

import (
	"cmp"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Pagination as documented: limit 1–200 (default 50), offset ≥ 0, before and
// after as unix seconds, orderBy from a per-endpoint enum, sort asc|desc.
const (
	defaultLimit = 50
	maxLimit     = 200
)

// listQuery is a parsed list request. Query-parameter errors are 400s.
type listQuery struct {
	limit, offset int
	// before and after bound the creation time: after ≤ t < before. Zero
	// means unbounded.
	before, after time.Time
	orderBy       string
	desc          bool
}

// parseList parses the common list parameters; orders lists the accepted
// orderBy values, the first being the default.
func parseList(q url.Values, orders ...string) (listQuery, error) {
	lq := listQuery{limit: defaultLimit, orderBy: orders[0]}
	if v, err := intParam(q, "limit", 1, maxLimit); err != nil {
		return lq, err
	} else if v != nil {
		lq.limit = int(*v)
	}
	if v, err := intParam(q, "offset", 0, 1<<31); err != nil {
		return lq, err
	} else if v != nil {
		lq.offset = int(*v)
	}
	for _, t := range []struct {
		name string
		dst  *time.Time
	}{{"before", &lq.before}, {"after", &lq.after}} {
		v, err := intParam(q, t.name, 0, 1<<40)
		if err != nil {
			return lq, err
		}
		if v != nil {
			*t.dst = time.Unix(*v, 0)
		}
	}
	if s := q.Get("orderBy"); s != "" {
		if !slices.Contains(orders, s) {
			return lq, badRequest("orderBy: must be one of %s", strings.Join(orders, ", "))
		}
		lq.orderBy = s
	}
	switch q.Get("sort") {
	case "", "asc":
	case "desc":
		lq.desc = true
	default:
		return lq, badRequest("sort: must be asc or desc")
	}
	return lq, nil
}

// intParam parses an optional integer query parameter in [lo, hi].
func intParam(q url.Values, name string, lo, hi int64) (*int64, error) {
	s := q.Get(name)
	if s == "" {
		return nil, nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return nil, badRequest("%s: must be an integer", name)
	}
	if v < lo || v > hi {
		return nil, badRequest("%s: must be between %d and %d", name, lo, hi)
	}
	return &v, nil
}

// idParam parses an optional positive identifier query parameter.
func idParam(q url.Values, name string) (int64, error) {
	v, err := intParam(q, name, 1, 1<<53)
	return deref(v), err
}

// inWindow reports whether t lies in the query's time window.
func (lq listQuery) inWindow(t time.Time) bool {
	return (lq.after.IsZero() || !t.Before(lq.after)) && (lq.before.IsZero() || t.Before(lq.before))
}

// listEnvelope is the documented list response.
type listEnvelope[T any] struct {
	Status string `json:"status"`
	Items  []T    `json:"items"`
	Total  int    `json:"total"`
	Limit  int    `json:"limit"`
	Offset int    `json:"offset"`
}

// page sorts items by the chosen key (items arrive in creation order, which
// breaks ties), cuts the requested page and turns it into views.
func page[E any, V any](items []E, lq listQuery, keys map[string]func(a, b E) int, view func(E) V) listEnvelope[V] {
	if key := keys[lq.orderBy]; key != nil {
		slices.SortStableFunc(items, key)
	}
	if lq.desc {
		slices.Reverse(items)
	}
	out := listEnvelope[V]{Status: ok, Items: []V{}, Total: len(items), Limit: lq.limit, Offset: lq.offset}
	if lq.offset >= len(items) {
		return out
	}
	for _, it := range items[lq.offset:min(len(items), lq.offset+lq.limit)] {
		out.Items = append(out.Items, view(it))
	}
	return out
}

// by builds a comparator from a key function.
func by[E any, K cmp.Ordered](key func(E) K) func(a, b E) int {
	return func(a, b E) int { return cmp.Compare(key(a), key(b)) }
}
