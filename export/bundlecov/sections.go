package bundlecov

import (
	"bytes"
	"fmt"
	"html/template"
	"strings"

	"github.com/evidence-proxy/evidence-proxy/contract"
	"github.com/evidence-proxy/evidence-proxy/coverage"
	"github.com/evidence-proxy/evidence-proxy/golive"
)

// Section ids of the report sections; "readiness" is the id golive's own
// HTML fragment uses inside.
const (
	SectionReadiness = "audit-readiness"
	SectionContract  = "contract"
)

// ReportSections are the report's sections for a coverage.Document: the
// audit-readiness view after the next steps, the contract findings at the
// end, each in every format.
func (s *Sections) ReportSections() ([]coverage.Section, error) {
	r, err := readinessSection(s)
	if err != nil {
		return nil, err
	}
	c, err := contractSection(s)
	if err != nil {
		return nil, err
	}
	return []coverage.Section{r, c}, nil
}

// readinessSection renders golive's view as a section, its own heading
// left to the renderer.
func readinessSection(s *Sections) (coverage.Section, error) {
	var md, html bytes.Buffer
	if err := golive.WriteReadinessMarkdown(&md, s.Readiness); err != nil {
		return coverage.Section{}, err
	}
	if err := golive.WriteReadinessHTML(&html, s.Readiness); err != nil {
		return coverage.Section{}, err
	}
	return coverage.Section{
		ID: SectionReadiness, Title: "Audit readiness", Place: coverage.PlaceAfterSteps,
		JSON:     s.Readiness,
		Markdown: strings.TrimPrefix(md.String(), "## Audit readiness\n\n"),
		HTML:     template.HTML(unwrapReadinessHTML(html.String())), // escaped by golive's html/template
		CSS:      golive.ReadinessCSS,
		Text:     readinessText(s.Readiness),
	}, nil
}

// The first lines and the last of golive's fragment: a panel of its own
// with its heading, which inside the report's section would be a panel in
// a panel with the title twice.
const (
	readinessOpen  = "<section class=\"panel readiness\" id=\"readiness\" aria-labelledby=\"h-readiness\">\n<h2 id=\"h-readiness\" class=\"section-title\">Audit readiness</h2>\n"
	readinessClose = "</section>\n"
)

// unwrapReadinessHTML keeps the fragment's body in a div of its class
// (its style applies to it); a fragment of another shape is kept whole.
func unwrapReadinessHTML(h string) string {
	if !strings.HasPrefix(h, readinessOpen) || !strings.HasSuffix(h, readinessClose) {
		return h
	}
	return "<div class=\"readiness\">\n" + strings.TrimSuffix(strings.TrimPrefix(h, readinessOpen), readinessClose) + "</div>\n"
}

func contractSection(s *Sections) (coverage.Section, error) {
	html, err := contractHTML(s)
	if err != nil {
		return coverage.Section{}, err
	}
	return coverage.Section{
		ID: SectionContract, Title: "Contract", Place: coverage.PlaceEnd,
		JSON:     ContractJSON{Description: s.Spec, Summary: s.Contract, Pending: s.ContractPending},
		Markdown: contractMarkdown(s),
		HTML:     html,
		CSS:      contractCSS,
		Text:     contractText(s),
	}, nil
}

// contractCSS styles the contract section with the report's variables.
const contractCSS = `.contract table { width: 100%; border-collapse: collapse; margin: 8px 0 16px; font-size: 14px; }
.contract th, .contract td { text-align: left; vertical-align: top; padding: 6px 8px; border-bottom: 1px solid var(--line); overflow-wrap: anywhere; }
.contract th { color: var(--muted); font-weight: 600; }
.contract td.num { text-align: right; font-variant-numeric: tabular-nums; }
.contract h3 { margin: 16px 0 4px; font-size: 16px; }
.contract .ct-detail { margin: 0 0 4px; color: var(--muted); }
.contract h3.ct-production { color: var(--violated); }
`

// contractTemplate is the section's HTML body; html/template escapes every
// value from the traffic or the description.
var contractTemplate = template.Must(template.New("contract").Funcs(template.FuncMap{"seqs": seqText}).Parse(`<div class="contract">
<p class="ct-detail">{{.Lead}}</p>
{{range $p := .Parts}}{{if $p.Groups}}<h3{{if $p.Production}} class="ct-production"{{end}}>{{$p.Title}}</h3>
<p class="ct-detail">{{$p.Lead}}</p>
<table>
<thead><tr><th>Endpoint</th><th>Field</th><th>Rule</th><th>Calls</th>{{if $p.Production}}<th>Accepted</th>{{end}}<th>Value</th><th>Expected</th><th>Seq</th></tr></thead>
<tbody>
{{range $p.Groups}}<tr><td><code>{{.Method}} {{.Endpoint}}</code></td><td><code>{{.Field}}</code></td><td>{{.Rule}}</td><td class="num">{{.Count}}</td>{{if $p.Production}}<td class="num">{{.Accepted}}</td>{{end}}<td>{{if .Value}}<code>{{.Value}}</code>{{else}}—{{end}}</td><td>{{.Message}}</td><td>{{seqs .}}</td></tr>
{{end}}</tbody>
</table>
{{end}}{{end}}{{if not .Any}}<p>No findings: every call matches the description.</p>
{{end}}</div>
`))

// contractPart is one table of the contract section.
type contractPart struct {
	Title, Lead string
	Production  bool
	Groups      []contract.Group
}

// contractParts are the section's tables in order, with their titles.
func contractParts(s *Sections) []contractPart {
	g := splitGroups(s.Contract)
	return []contractPart{
		{Title: "Requests the API accepted that break the contract: these break in production", Production: true, Groups: g.accepted,
			Lead: "Staging answered these calls with 2xx although the request does not match the documented API; production, or a later staging release, may refuse them."},
		{Title: "Requests that break the contract", Groups: g.refused,
			Lead: "The API refused these calls (or answered no 2xx); the app should send what the description asks for."},
		{Title: "Responses that differ from the description", Groups: g.responses,
			Lead: "Where staging (or the emulator) answered otherwise than the docs say."},
		{Title: "Outside the description, or not checked", Groups: g.outside,
			Lead: "Calls to endpoints or methods the description does not have, and parts that could not be checked (a truncated body, no response)."},
	}
}

func contractHTML(s *Sections) (template.HTML, error) {
	var b bytes.Buffer
	err := contractTemplate.Execute(&b, struct {
		Lead  string
		Parts []contractPart
		Any   bool
	}{contractLead(s), contractParts(s), len(s.Contract.Groups) > 0})
	if err != nil {
		return "", fmt.Errorf("render contract html: %w", err)
	}
	return template.HTML(b.String()), nil // escaped by html/template
}
