package deploy

import (
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// selector is one instant or range vector selector of a PromQL expression:
// a metric name and its label matchers, without range or offset.
type selector struct {
	Name     string
	Matchers string // "{…}" as written, or ""
}

// String returns the selector as an instant query.
func (s selector) String() string { return s.Name + s.Matchers }

// promqlKeywords are identifiers that are never metric names.
var promqlKeywords = map[string]bool{
	"and": true, "or": true, "unless": true, "offset": true, "bool": true,
	"by": true, "without": true, "on": true, "ignoring": true,
	"group_left": true, "group_right": true, "inf": true, "nan": true,
	"sum": true, "min": true, "max": true, "avg": true, "group": true,
	"stddev": true, "stdvar": true, "count": true, "count_values": true,
	"bottomk": true, "topk": true, "quantile": true, "atan2": true,
}

// groupingKeywords take a parenthesised label list, not an expression.
var groupingKeywords = map[string]bool{
	"by": true, "without": true, "on": true, "ignoring": true,
	"group_left": true, "group_right": true,
}

// selectors lists the vector selectors of a PromQL expression in order. It
// is a small lexer, enough for the expressions this kit ships (tested
// below), not a PromQL parser: Prometheus itself is the parser in the live
// test.
func selectors(expr string) []selector {
	var out []selector
	i := 0
	for i < len(expr) {
		c := expr[i]
		switch {
		case c == '"' || c == '\'' || c == '`':
			i = skipString(expr, i)
		case c == '[':
			i = skipPast(expr, i, ']')
		case c == '{': // a selector without a name; none in this kit
			i = skipPast(expr, i, '}')
		case c == '#':
			i = skipPast(expr, i, '\n')
		case isIdentStart(c):
			j := i
			for j < len(expr) && isIdentPart(expr[j]) {
				j++
			}
			word := expr[i:j]
			k := skipSpace(expr, j)
			switch {
			case groupingKeywords[word]:
				if k < len(expr) && expr[k] == '(' {
					j = skipPast(expr, k, ')')
				}
			case promqlKeywords[word]:
			case k < len(expr) && expr[k] == '(': // a function call
			default:
				s := selector{Name: word}
				if k < len(expr) && expr[k] == '{' {
					end := skipMatchers(expr, k)
					s.Matchers = expr[k:end]
					j = end
				}
				out = append(out, s)
			}
			i = j
		case c >= '0' && c <= '9' || c == '.':
			// A number or a duration such as 6h: letters belong to it.
			for i < len(expr) && (isIdentPart(expr[i]) || expr[i] == '.') {
				i++
			}
		default:
			i++
		}
	}
	return out
}

func isIdentStart(c byte) bool {
	return c == '_' || c == ':' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func isIdentPart(c byte) bool { return isIdentStart(c) || c >= '0' && c <= '9' }

func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
		i++
	}
	return i
}

// skipPast returns the index after the first close at or after i+1.
func skipPast(s string, i int, close byte) int {
	if j := strings.IndexByte(s[i+1:], close); j >= 0 {
		return i + 1 + j + 1
	}
	return len(s)
}

// skipString returns the index after the string literal starting at i.
func skipString(s string, i int) int {
	quote := s[i]
	for j := i + 1; j < len(s); j++ {
		switch {
		case s[j] == '\\' && quote != '`':
			j++
		case s[j] == quote:
			return j + 1
		}
	}
	return len(s)
}

// skipMatchers returns the index after the "{…}" starting at i, stepping
// over quoted label values.
func skipMatchers(s string, i int) int {
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case '"', '\'', '`':
			j = skipString(s, j) - 1
		case '}':
			return j + 1
		}
	}
	return len(s)
}

// metricNames lists the distinct evidence_proxy_* metric names an
// expression selects, in order. Recording rule names (with colons) and
// other exporters' metrics (up) are not included.
func metricNames(expr string) []string {
	seen := map[string]bool{}
	var names []string
	for _, s := range selectors(expr) {
		if strings.HasPrefix(s.Name, "evidence_proxy_") && !seen[s.Name] {
			seen[s.Name] = true
			names = append(names, s.Name)
		}
	}
	return names
}

// grafanaVars matches Grafana template variables: $name and ${name}.
var grafanaVars = regexp.MustCompile(`\$\{?(\w+)\}?`)

// substituteGrafanaVars replaces the dashboard's template variables with
// what Grafana would send: "All" (a regular expression matching every
// value) for the label pickers and fixed durations for the interval
// variables. It returns an error text for any variable it does not know,
// so a new variable cannot slip past the live test.
func substituteGrafanaVars(expr string) (string, []string) {
	values := map[string]string{
		"job":             ".+",
		"instance":        ".+",
		"area":            ".+",
		"__rate_interval": "1m",
		"__interval":      "15s",
		"__range":         "5m",
	}
	var unknown []string
	out := grafanaVars.ReplaceAllStringFunc(expr, func(m string) string {
		name := grafanaVars.FindStringSubmatch(m)[1]
		v, ok := values[name]
		if !ok {
			unknown = append(unknown, m)
			return m
		}
		return v
	})
	return out, unknown
}

func TestSelectors(t *testing.T) {
	tests := []struct {
		name string
		expr string
		want []selector
	}{
		{
			name: "aggregation with grouping",
			expr: `sum by (job, instance, code_class) (rate(evidence_proxy_proxy_calls_total{code_class="5xx"}[5m]))`,
			want: []selector{{"evidence_proxy_proxy_calls_total", `{code_class="5xx"}`}},
		},
		{
			name: "grouping after the expression, vector matching, offset",
			expr: "sum(a{x=\"}\"}) without (le)\n  <= on (job) group_left (area) b offset 6h\nand on(job) up == 0",
			want: []selector{{"a", `{x="}"}`}, {"b", ""}, {"up", ""}},
		},
		{
			name: "recording rule names and quantile",
			expr: `histogram_quantile(0.99, sum by (le) (rate(x_bucket[5m]))) > on() group_right instance:x:ratio_rate5m`,
			want: []selector{{"x_bucket", ""}, {"instance:x:ratio_rate5m", ""}},
		},
		{
			name: "numbers and durations are not names",
			expr: `max_over_time(y{a=~"b|c"}[1h:5m]) * 1e3 > 0.5`,
			want: []selector{{"y", `{a=~"b|c"}`}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(selectors(tt.expr), tt.want); diff != "" {
				t.Errorf("selectors(%q) (-got +want):\n%s", tt.expr, diff)
			}
		})
	}
}

func TestSubstituteGrafanaVars(t *testing.T) {
	got, unknown := substituteGrafanaVars(`rate(m{instance=~"$instance",job=~"${job}"}[$__rate_interval]) / $nope`)
	want := `rate(m{instance=~".+",job=~".+"}[1m]) / $nope`
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if diff := cmp.Diff(unknown, []string{"$nope"}); diff != "" {
		t.Errorf("unknown (-got +want):\n%s", diff)
	}
}
