package golive

import (
	"fmt"
	"html/template"
	"io"
	"strings"
)

// ReadinessCSS is the style of the HTML fragment, to add to the coverage
// report's stylesheet; it uses the report's colour variables and badges.
const ReadinessCSS = `.readiness table { width: 100%; border-collapse: collapse; margin: 8px 0 16px; font-size: 14px; }
.readiness th, .readiness td { text-align: left; vertical-align: top; padding: 6px 8px; border-bottom: 1px solid var(--line); overflow-wrap: anywhere; }
.readiness th { color: var(--muted); font-weight: 600; }
.readiness td.num { text-align: right; font-variant-numeric: tabular-nums; }
.readiness h3 { margin: 16px 0 4px; font-size: 16px; }
.readiness .rd-detail { margin: 0 0 4px; color: var(--muted); }
.readiness .rd-src-script, .readiness .rd-src-mixed { font-weight: 600; }
.readiness .rd-no { color: var(--violated); font-weight: 600; }
.readiness .rd-unanswered { color: var(--missing); }
`

// readinessHTML is the fragment's template, parsed per call (it is small)
// so the package keeps no state.
const readinessHTML = `<section class="panel readiness" id="readiness" aria-labelledby="h-readiness">
<h2 id="h-readiness" class="section-title">Audit readiness</h2>
<p class="rd-detail">Content <code>{{.Content.ID}}</code> version <code>{{.Content.Version}}</code>, matrix <code>{{.Matrix.ID}}</code> version <code>{{.Matrix.Version}}</code>. The auditor decides; this shows what the evidence covers, by what, and what remains.</p>
{{with .Summary}}<ul>
<li>Requirements met: {{.Met}} of {{.Requirements}} ({{.MetByScripts}} by test scripts alone, {{.MetMixed}} partly), {{.Partial}} partial, {{.Missing}} missing, {{.Violated}} violated{{notApplicable .NotApplicable}}</li>
<li>Evidence sources: {{sources .Sources}}</li>
<li>Production set-up confirmed: {{.SetupConfirmed}} of {{.SetupTotal}}</li>
<li>Not tested by staging, acknowledged: {{.NotTestedAcknowledged}} of {{.NotTestedTotal}}</li>
</ul>{{end}}
{{range .Kinds}}<h3>{{.Title}}</h3>
<p class="rd-detail">{{.Detail}} {{.Total}} requirements: {{.Met}} met, {{.Partial}} partial, {{.Missing}} missing, {{.Violated}} violated{{notApplicable .NotApplicable}}.</p>
{{if .Requirements}}<table>
<thead><tr><th>ID</th><th>Status</th><th>Title</th><th>Evidence</th><th>From</th></tr></thead>
<tbody>
{{range .Requirements}}<tr><td class="rid">{{.ID}}</td><td><span class="badge b-{{.Status}}">{{.Status}}</span></td><td>{{.Title}}{{if .Conditional}} <span class="cond">if {{.Conditional}}</span>{{end}}</td><td class="num">{{.Evidence}}</td><td class="rd-src-{{.Source}}">{{source .}}</td></tr>
{{end}}</tbody>
</table>
{{end}}{{end}}<h3>Production set-up</h3>
<p class="rd-detail">Set up in production (Account Management) before the first call; confirmed by the integrator in the checklist file{{if .Checklist}} (SHA-256 <code>{{.Checklist}}</code>){{else}} (none given){{end}}.</p>
<table>
<thead><tr><th>Item</th><th>Confirmed</th><th>Note</th></tr></thead>
<tbody>
{{range .Setup}}<tr><td>{{.Title}}</td>{{answer .Answered .Confirmed}}<td>{{.Note}}</td></tr>
{{end}}</tbody>
</table>
<h3>What the emulation engine does not test</h3>
<p class="rd-detail">Production behaviour with no staging equivalent, acknowledged by the integrator.</p>
<table>
<thead><tr><th>Behaviour</th><th>Acknowledged</th><th>Note</th></tr></thead>
<tbody>
{{range .NotTested}}<tr><td>{{.Title}}: {{.Detail}}</td>{{answer .Answered .Acknowledged}}<td>{{.Note}}</td></tr>
{{end}}</tbody>
</table>
<h3>What remains</h3>
{{if .Remaining}}<p>Requirements not met: {{join .Remaining}}</p>{{else}}<p>Every requirement is met.</p>{{end}}
</section>
`

func htmlSource(r RequirementView) string {
	switch r.Source {
	case SourceScript:
		return "test script " + strings.Join(r.Scripts, ", ")
	case SourceMixed:
		return "app and test script " + strings.Join(r.Scripts, ", ")
	case SourceNone:
		return "—"
	}
	return string(r.Source)
}

// htmlAnswer is the answer cell; its content is fixed text.
func htmlAnswer(answered, yes bool) template.HTML {
	switch {
	case !answered:
		return `<td class="rd-unanswered">not answered</td>`
	case yes:
		return `<td>yes</td>`
	}
	return `<td class="rd-no">no</td>`
}

// WriteReadinessHTML writes the view as an HTML fragment (one <section>,
// styled by ReadinessCSS) for the coverage report's HTML and the bundle.
// Every string is escaped by html/template; the output holds no
// wall-clock time.
func WriteReadinessHTML(w io.Writer, v *Readiness) error {
	t, err := template.New("readiness").Funcs(template.FuncMap{
		"source":        htmlSource,
		"sources":       sourcesText,
		"notApplicable": notApplicableText,
		"answer":        htmlAnswer,
		"join":          func(s []string) string { return strings.Join(s, ", ") },
	}).Parse(readinessHTML)
	if err != nil {
		return fmt.Errorf("write readiness html: %w", err)
	}
	if err := t.Execute(w, v); err != nil {
		return fmt.Errorf("write readiness html: %w", err)
	}
	return nil
}
