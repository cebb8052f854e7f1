package coverage

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
)

func TestStepCommand(t *testing.T) {
	tests := []struct{ in, want string }{
		{`curl -sS "$PROXY/v2/cards"`, `curl -sS "$EVIDENCE_PROXY_URL/v2/cards"`},
		{`curl -H "X-API-Key:$KEY" ${PROXY}/v2/x`, `curl -H "X-API-Key:$AXYS_API_KEY" $EVIDENCE_PROXY_URL/v2/x`},
		{`echo ${KEY}$PROXY`, `echo $AXYS_API_KEY$EVIDENCE_PROXY_URL`},
		{`echo $KEYS $PROXY_2 $PROXYKEY ${PROXY_URL} $`, `echo $KEYS $PROXY_2 $PROXYKEY ${PROXY_URL} $`},
		{`curl "$EVIDENCE_PROXY_URL/v2/x" -H "X-API-Key:$AXYS_API_KEY"`, `curl "$EVIDENCE_PROXY_URL/v2/x" -H "X-API-Key:$AXYS_API_KEY"`},
		{"no variables", "no variables"},
		{"$KEY", "$AXYS_API_KEY"},
		{"€ $PROXY/é", "€ $EVIDENCE_PROXY_URL/é"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := StepCommand(tt.in); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestNextStepsOrder checks, in every human format, that the next steps
// list the violated requirements first, then the missing, then the
// partial ones, each in matrix order, and no met one.
func TestNextStepsOrder(t *testing.T) {
	r := mixedReport()
	var want []string
	for _, st := range []Status{StatusViolated, StatusMissing, StatusPartial} {
		for _, q := range r.Requirements {
			if q.Status == st {
				want = append(want, q.ID)
			}
		}
	}
	item := map[string]*regexp.Regexp{
		"md":    regexp.MustCompile("(?m)^### [0-9]+\\. `([^`]+)`"),
		"html":  regexp.MustCompile(`<li class="next-item st-[a-z]+" id="step-[a-z0-9-]+">\s*<div class="next-head"><span class="badge b-[a-z]+">[a-z]+</span> <a class="rid" href="#req-[a-z0-9-]+">([^<]+)</a>`),
		"table": regexp.MustCompile(`(?m)^  (?:VIOLATED|MISSING|PARTIAL)  (\S+)  `),
	}
	for f, re := range item {
		t.Run(f, func(t *testing.T) {
			var buf strings.Builder
			if err := (&Document{Report: r}).Write(&buf, f); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, m := range re.FindAllStringSubmatch(buf.String(), -1) {
				got = append(got, m[1])
			}
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("next steps in order %q, want %q", got, want)
			}
		})
	}
}

// TestNextStepsVariables checks that every format defines the variables
// its commands read: the live sidecar's URL and key mode, or a value the
// text says to set; and that no command uses the older names.
func TestNextStepsVariables(t *testing.T) {
	live := RenderOptions{ProxyURL: "http://10.0.0.7:8080", KeyAdded: true}
	for _, f := range []string{"md", "html", "table"} {
		for name, c := range map[string]struct {
			o    RenderOptions
			want []string
		}{
			"offline": {RenderOptions{}, []string{"export EVIDENCE_PROXY_URL=http://127.0.0.1:8080", "set: your sidecar", `export AXYS_API_KEY="$(cat staging/api-key)"`}},
			"live":    {live, []string{"export EVIDENCE_PROXY_URL=http://10.0.0.7:8080", "this sidecar", "export AXYS_API_KEY=''", "this sidecar adds its API key"}},
		} {
			t.Run(f+"/"+name, func(t *testing.T) {
				var buf strings.Builder
				if err := (&Document{Report: mixedReport(), Options: c.o}).Write(&buf, f); err != nil {
					t.Fatal(err)
				}
				got := buf.String()
				if f == "html" {
					got = strings.ReplaceAll(got, "&#34;", `"`)
					got = strings.ReplaceAll(got, "&#39;", "'")
				}
				for _, w := range c.want {
					if !strings.Contains(got, w) {
						t.Errorf("lacks %q", w)
					}
				}
				for _, old := range []string{"$PROXY", "$KEY"} {
					if strings.Contains(got, old) {
						t.Errorf("a command still reads %s", old)
					}
				}
				if !strings.Contains(got, "$EVIDENCE_PROXY_URL/v2/cards/fees") {
					t.Error("the steps do not read $EVIDENCE_PROXY_URL with the /v2 base path")
				}
			})
		}
	}
}

// TestNextStepsAdvice checks what each status is told to do: a violated
// requirement how to show the fix (a window starting after it), a missing
// one the go-live scripts.
func TestNextStepsAdvice(t *testing.T) {
	for st, want := range map[Status][]string{
		StatusViolated: {"Fix the client", "--since"},
		StatusMissing:  {"evidence-proxy scripts --out DIR", "run-all.sh"},
		StatusPartial:  {"evidence-proxy scripts --out DIR"},
	} {
		got := nextAdvice(st)
		for _, w := range want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: advice %q lacks %q", st, got, w)
			}
		}
	}
	none := renderSummarised(&Report{Requirements: []RequirementResult{{ID: "a", Status: StatusMet, Area: "x"}}})
	for _, f := range []string{"md", "html"} {
		var buf strings.Builder
		if err := (&Document{Report: none}).Write(&buf, f); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(buf.String(), "None: every requirement is met.") {
			t.Errorf("%s: a report with nothing to do does not say so", f)
		}
	}
	if got := nextSummary(nextItems(mixedReport())); got != fmt.Sprintf("%d violated, %d missing, %d partial", 2, 2, 3) {
		t.Errorf("summary %q", got)
	}
}
