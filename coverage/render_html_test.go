package coverage

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func renderHTML(t *testing.T, r *Report) string {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteHTML(&buf, r); err != nil {
		t.Fatalf("render: %v", err)
	}
	return buf.String()
}

// TestRenderHTMLEscapes renders strings crafted to break out of text,
// attributes, the title element, SVG and pre blocks, and wants them shown
// as text: the only script is the report's own print helper.
func TestRenderHTMLEscapes(t *testing.T) {
	got := renderHTML(t, hostileReport())
	if n := strings.Count(strings.ToLower(got), "<script"); n != 1 {
		t.Errorf("found %d <script elements, want only the report's own", n)
	}
	for _, bad := range []string{"<img", "</title><script", "</code></pre><script", "<b>odd</b>", "\x1b"} {
		if strings.Contains(got, bad) {
			t.Errorf("output contains %q unescaped", bad)
		}
	}
	for _, tag := range htmlTag.FindAllString(got, -1) {
		for _, a := range htmlAttr.FindAllStringSubmatch(tag, -1) {
			if strings.HasPrefix(strings.ToLower(a[1]), "on") {
				t.Errorf("event handler attribute in %s", tag)
			}
		}
	}
	for _, want := range []string{
		"&lt;script&gt;alert(1)&lt;/script&gt;",
		"&lt;/code&gt;&lt;/pre&gt;&lt;script&gt;alert(6)&lt;/script&gt;",
		`id="req-x1-script-alert-5-script"`,
		"&lt;b&gt;odd&lt;/b&gt;",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks escaped %q", want)
		}
	}
}

var (
	// htmlTag matches a start tag; escaped text never holds a bare '<'.
	htmlTag = regexp.MustCompile(`<[a-zA-Z][^>]*>`)
	// htmlAttr matches one attribute of a tag and its value.
	htmlAttr = regexp.MustCompile(`\s([a-zA-Z:-]+)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)`)
	// fetchAttrs are the attributes that can make a browser load something.
	fetchAttrs = map[string]bool{"src": true, "href": true, "xlink:href": true, "action": true, "formaction": true,
		"poster": true, "srcset": true, "data": true, "background": true}
)

// TestRenderHTMLSelfContained checks that no report can make a browser
// load anything: every reference is an in-page fragment or a data: URL,
// and there are no elements or CSS rules that fetch.
func TestRenderHTMLSelfContained(t *testing.T) {
	for _, c := range renderCases() {
		t.Run(c.name, func(t *testing.T) {
			got := renderHTML(t, c.report)
			refs := 0
			for _, tag := range htmlTag.FindAllString(got, -1) {
				for _, a := range htmlAttr.FindAllStringSubmatch(tag, -1) {
					if !fetchAttrs[strings.ToLower(a[1])] {
						continue
					}
					refs++
					v := strings.Trim(a[2], `"'`)
					if !strings.HasPrefix(v, "#") && !strings.HasPrefix(v, "data:") {
						t.Errorf("%s=%q refers outside the page", a[1], v)
					}
				}
			}
			if refs == 0 {
				t.Error("found no references at all; the scan is broken")
			}
			lower := strings.ToLower(got)
			for _, bad := range []string{"<img", "<iframe", "<object", "<embed", "<video", "<audio", "<source", "@import", "url(", "<base"} {
				if strings.Contains(lower, bad) {
					t.Errorf("output contains %q", bad)
				}
			}
			if n := strings.Count(lower, "<link"); n != 1 || !strings.Contains(got, `<link rel="icon" href="data:,">`) {
				t.Errorf("want exactly the empty data: icon link, found %d <link elements", n)
			}
		})
	}
}

// TestRenderHTMLContentSecurityPolicy checks that the policy's script
// hash matches the one inline script of the page, so serving the report
// with the policy keeps the print helper working and blocks anything else.
func TestRenderHTMLContentSecurityPolicy(t *testing.T) {
	got := renderHTML(t, mixedReport())
	scripts := regexp.MustCompile(`(?s)<script>(.*?)</script>`).FindAllStringSubmatch(got, -1)
	if len(scripts) != 1 {
		t.Fatalf("found %d inline scripts, want 1", len(scripts))
	}
	sum := sha256.Sum256([]byte(scripts[0][1]))
	want := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	if !strings.Contains(HTMLContentSecurityPolicy, want) {
		t.Errorf("policy %q does not allow the page's script %s", HTMLContentSecurityPolicy, want)
	}
	if !strings.HasPrefix(HTMLContentSecurityPolicy, "default-src 'none';") {
		t.Errorf("policy %q does not deny by default", HTMLContentSecurityPolicy)
	}
}

// TestRenderHTMLRequirements checks each requirement's expandable entry:
// its anchor, badge, explanation, evidence and steps, under its area.
func TestRenderHTMLRequirements(t *testing.T) {
	r := mixedReport()
	got := renderHTML(t, r)
	areaAt := map[string]int{}
	for _, a := range r.Summary.Areas {
		i := strings.Index(got, fmt.Sprintf(`<section class="area" id="%s">`, htmlAnchor("area", a.Area)))
		if i < 0 {
			t.Fatalf("no section for area %q", a.Area)
		}
		areaAt[a.Area] = i
	}
	for _, q := range r.Requirements {
		start := strings.Index(got, fmt.Sprintf(`<details class="req st-%s" id="%s">`, q.Status, htmlAnchor("req", q.ID)))
		if start < 0 {
			t.Errorf("%s: no details element with status %s", q.ID, q.Status)
			continue
		}
		if start < areaAt[q.Area] {
			t.Errorf("%s: listed before its area section %q", q.ID, q.Area)
		}
		entry := got[start : start+strings.Index(got[start:], "</details>")]
		wants := []string{
			fmt.Sprintf(`<span class="badge b-%s">%s</span>`, q.Status, q.Status),
			fmt.Sprintf(`<code class="rid">%s</code>`, q.ID),
			fmt.Sprintf(`<p class="why">%s</p>`, escapedText(q.Explanation)),
		}
		for _, seq := range q.Evidence {
			wants = append(wants, fmt.Sprintf("<li>#%d</li>", seq))
		}
		for _, s := range q.Steps {
			wants = append(wants, escapedText(StepCommand(s)))
		}
		for _, want := range wants {
			if !strings.Contains(entry, want) {
				t.Errorf("%s: entry lacks %q", q.ID, want)
			}
		}
		if len(q.Evidence) == 0 && !strings.Contains(entry, `<span class="none">none</span>`) {
			t.Errorf("%s: no evidence, but not marked none", q.ID)
		}
	}
}

// htmlText escapes s as html/template does in text.
func escapedText(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;", "+", "&#43;").Replace(s)
}

func TestRenderHTMLEvidenceCapped(t *testing.T) {
	r := longReport()
	got := renderHTML(t, r)
	q := r.Requirements[0]
	if !strings.Contains(got, fmt.Sprintf("<li>#%d</li>", q.Evidence[evidenceListed-1])) {
		t.Errorf("last listed sequence number missing")
	}
	if strings.Contains(got, fmt.Sprintf("<li>#%d</li>", q.Evidence[evidenceListed])) {
		t.Errorf("sequence number past the cap listed")
	}
	if want := fmt.Sprintf("and %d more", len(q.Evidence)-evidenceListed); !strings.Contains(got, want) {
		t.Errorf("output lacks %q", want)
	}
}

func TestRenderHTMLEndpoints(t *testing.T) {
	r := mixedReport()
	got := renderHTML(t, r)
	seen, unseen := 0, 0
	for _, e := range r.Endpoints {
		if e.Calls > 0 {
			seen++
		} else {
			unseen++
		}
	}
	if n := strings.Count(got, `<tr class="seen">`); n != seen {
		t.Errorf("got %d seen rows, want %d", n, seen)
	}
	if n := strings.Count(got, `<tr class="unseen">`); n != unseen {
		t.Errorf("got %d unseen rows, want %d", n, unseen)
	}
	if want := fmt.Sprintf("%d of %d seen", seen, len(r.Endpoints)); !strings.Contains(got, want) {
		t.Errorf("output lacks %q", want)
	}
	if !strings.Contains(got, `<span class="code c-4xx">429 <b>×88</b></span>`) {
		t.Errorf("status chip for 429 missing or wrongly coloured")
	}
}

func TestRenderHTMLEmptyStates(t *testing.T) {
	got := renderHTML(t, &Report{})
	for _, want := range []string{"No requirements in the matrix.", "No calls recorded.", "No endpoints."} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if strings.Contains(got, "<svg") {
		t.Errorf("empty report draws a chart")
	}
}

func TestRenderAnchor(t *testing.T) {
	tests := []struct {
		prefix, in, want string
	}{
		{"req", "TM1", "req-tm1"},
		{"req", "ERR-429", "req-err-429"},
		{"area", "call traces", "area-call-traces"},
		{"area", "  ", "area"},
		{"req", `X"><script>`, "req-x-script"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := htmlAnchor(tt.prefix, tt.in); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestRenderUniqueAnchors(t *testing.T) {
	u := uniqueAnchors{}
	var got []string
	for _, id := range []string{"TM1", "tm1", "TM1-2", "T.M1", "TM1"} {
		got = append(got, u.make("req", id))
	}
	want := []string{"req-tm1", "req-tm1-2", "req-tm1-2-2", "req-t-m1", "req-tm1-3"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestRenderIsCommand(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"curl -sS http://127.0.0.1:8080/cards", true},
		{"  curl -X POST x", true},
		{"first line\nsecond line", true},
		{"Open a support ticket instead.", false},
		{"curling is a sport", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := stepIsCommand(tt.in); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func svgParse(t *testing.T, s string) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("parse coordinate %q: %v", s, err)
	}
	return f
}
