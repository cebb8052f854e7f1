package coverage

import (
	"strconv"
	"time"

	"github.com/evidence-proxy/evidence-proxy/contract"
)

// inventory counts calls per endpoint and status, and over time.
type inventory struct {
	// calls and statuses are indexed by catalogue index; the last entry is
	// OtherEndpoint. A status of 0 stands for no response.
	calls    []int
	statuses []map[int]int
	total    map[int]int
	timeline timeline
	// spec, when the engine has the API's description, makes the
	// inventory its endpoints (specInventory).
	spec  *specInventory
	undoc undocumented
}

func newInventory(spec *contract.Spec) inventory {
	inv := inventory{
		calls:    make([]int, len(catalogue)+1),
		statuses: make([]map[int]int, len(catalogue)+1),
		total:    map[int]int{},
		undoc:    undocumented{byKey: map[string]int{}},
	}
	for i := range inv.statuses {
		inv.statuses[i] = map[int]int{}
	}
	if spec != nil {
		inv.spec = newSpecInventory(spec)
	}
	return inv
}

func (inv *inventory) add(v *callView) {
	i := v.ep
	if i < 0 {
		i = len(catalogue)
	}
	inv.calls[i]++
	inv.statuses[i][v.status]++
	inv.total[v.status]++
	inv.timeline.add(v.start, statusClassIndex(v.status))
	documented := v.ep >= 0
	if inv.spec != nil {
		documented = inv.spec.add(v)
	}
	if !documented {
		inv.undoc.add(v)
	}
}

func statusKey(status int) string {
	if status == 0 {
		return "none"
	}
	return strconv.Itoa(status)
}

func statusMap(m map[int]int) map[string]int {
	out := make(map[string]int, len(m))
	for st, n := range m {
		out[statusKey(st)] = n
	}
	return out
}

func (inv *inventory) report() ([]EndpointUse, map[string]int, []TimelineBucket) {
	if inv.spec != nil {
		return inv.spec.report(), statusMap(inv.total), inv.timeline.report()
	}
	eps := make([]EndpointUse, 0, len(inv.calls))
	for i, ep := range catalogue {
		eps = append(eps, EndpointUse{Method: ep.Method, Template: ep.Template, Calls: inv.calls[i], Statuses: statusMap(inv.statuses[i])})
	}
	other := len(catalogue)
	eps = append(eps, EndpointUse{Method: "*", Template: OtherEndpoint, Calls: inv.calls[other], Statuses: statusMap(inv.statuses[other])})
	return eps, statusMap(inv.total), inv.timeline.report()
}

// timelineBuckets is the most buckets a timeline holds; when calls spread
// further, the buckets double in width and merge pairwise, so memory stays
// fixed and the result depends only on the calls.
const timelineBuckets = 60

// classNames are the status classes a timeline counts, in index order.
func classNames() [6]string { return [6]string{"1xx", "2xx", "3xx", "4xx", "5xx", "none"} }

type timeline struct {
	set     bool
	base    time.Time
	width   time.Duration
	buckets [][6]int
}

// statusClassIndex is the index in classNames of the class of a status,
// evidence.StatusClass(status), without building its name.
func statusClassIndex(status int) int {
	if status < 100 || status > 599 {
		return 5
	}
	return status/100 - 1
}

func (t *timeline) add(at time.Time, class int) {
	if !t.set {
		t.set, t.base, t.width = true, at.Truncate(time.Second), time.Second
	}
	idx := t.index(at)
	for idx >= timelineBuckets {
		t.merge()
		idx = t.index(at)
	}
	for len(t.buckets) <= idx {
		t.buckets = append(t.buckets, [6]int{})
	}
	t.buckets[idx][class]++
}

func (t *timeline) index(at time.Time) int {
	d := at.Sub(t.base)
	if d < 0 {
		return 0
	}
	return int(d / t.width)
}

// merge doubles the bucket width.
func (t *timeline) merge() {
	t.width *= 2
	merged := make([][6]int, (len(t.buckets)+1)/2)
	for i, b := range t.buckets {
		for c := range b {
			merged[i/2][c] += b[c]
		}
	}
	t.buckets = merged
}

func (t *timeline) report() []TimelineBucket {
	out := make([]TimelineBucket, len(t.buckets))
	names := classNames()
	for i, b := range t.buckets {
		tb := TimelineBucket{Start: t.base.Add(time.Duration(i) * t.width), WidthMS: t.width.Milliseconds(), Classes: map[string]int{}}
		for c, n := range b {
			if n > 0 {
				tb.Classes[names[c]] = n
			}
		}
		out[i] = tb
	}
	return out
}
