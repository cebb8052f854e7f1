package admin

import (
	"bytes"
	"embed"
	"html/template"
	"net/http"
)

// templatesFS holds the admin pages' templates: the index, the call list
// and one call. They are compiled into the binary.
//
//go:embed templates/*.tmpl
var templatesFS embed.FS

// PageCSP is the Content-Security-Policy of the admin listener's own pages
// (the index, /calls and /calls/{seq}): nothing loads from anywhere, no
// script runs, styles are inline, and the filter form may only submit to
// the listener itself.
const PageCSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// indexLink is one path the index page lists.
type indexLink struct {
	Path  string
	Label string
	What  string
	Open  bool // answers without the token
}

// indexView is what the index page shows.
type indexView struct {
	Links    []indexLink
	TokenSet bool
}

// indexLinks are the paths this listener serves, in the order the page
// lists them.
func (o Options) indexLinks() []indexLink {
	var out []indexLink
	add := func(on bool, path, label, what string) {
		if on {
			out = append(out, indexLink{Path: path, Label: label, What: what, Open: openPaths[path]})
		}
	}
	cov := o.Coverage != nil || o.CoverageIn != nil
	add(cov, "/coverage", "Coverage report", "live coverage of the recorded traffic, next steps first (HTML)")
	add(cov, "/coverage?format=md", "Coverage report, Markdown", "the same report as Markdown")
	add(cov, "/coverage?format=json", "Coverage report, JSON", "the same report as data")
	add(o.Records != nil, "/calls", "Recorded calls", "the latest calls, with filters; each links to its redacted record")
	add(o.Gatherer != nil, "/metrics", "Metrics", "Prometheus metrics (OpenMetrics)")
	add(true, "/healthz", "Health", "whether the sidecar runs")
	add(true, "/readyz", "Readiness", "whether it can record new calls, and the upstream's last known state")
	add(o.CAPEM != nil, "/ca.pem", "Interception CA", "the certificate apps trust for HTTPS_PROXY mode")
	add(o.Snapshot != nil, "/snapshot", "Store snapshot", "a consistent copy of the store, for coverage --db or backups")
	add(o.Export != nil, "/export", "Signed bundle", "an evidence bundle signed by this sidecar's key (?since=&until=)")
	return out
}

// index serves GET /: the paths this listener answers and which need the
// bearer token.
func (o Options) index(w http.ResponseWriter, _ *http.Request) {
	o.writePage(w, http.StatusOK, "index.html.tmpl", indexView{Links: o.indexLinks(), TokenSet: o.BearerToken != ""})
}

// writePage renders one of the admin pages with PageCSP.
func (o Options) writePage(w http.ResponseWriter, status int, name string, view any) {
	t, err := template.New(name).Funcs(pageFuncs()).ParseFS(templatesFS, "templates/page.tmpl", "templates/"+name)
	if err != nil {
		o.Logger.Error("parse admin page", "page", name, "err", err)
		writeText(w, http.StatusInternalServerError, "admin page unavailable\n")
		return
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, view); err != nil {
		o.Logger.Error("render admin page", "page", name, "err", err)
		writeText(w, http.StatusInternalServerError, "admin page unavailable\n")
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Security-Policy", PageCSP)
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}
