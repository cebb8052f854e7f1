package coverage

import (
	"fmt"
	"html/template"
	"io"
	"strings"
	"time"
)

// Document is a report as shown: the classifier's Report, the sections
// its caller adds (provenance, audit readiness, contract findings, …),
// the calls a bundle embeds for its evidence links, and how to render.
// Its zero Options render the report as a file to read offline.
//
// Every format renders the same parts in the same order: the header, the
// PlaceTop sections, the next steps, the PlaceAfterSteps sections, the
// summary and the requirements, the inventory, the PlaceEnd sections and,
// in HTML and Markdown, the embedded calls. Equal documents give equal
// bytes.
type Document struct {
	Report   *Report
	Sections []Section
	// Calls are listed at the end of the HTML and Markdown reports, with an
	// element id call-N each, and the HTML's evidence numbers link to them
	// (when Options.CallsURL is empty). A bundle embeds the calls its
	// evidence names (CallList.Evidence); nil lists none.
	Calls   []CallSummary
	Options RenderOptions
}

// RenderOptions say how a Document is rendered. The zero value is a report
// read offline: the steps' proxy URL is a placeholder the text says to
// set, evidence numbers link nowhere, the page never reloads.
type RenderOptions struct {
	// ProxyURL is the sidecar's proxy listener (http://127.0.0.1:8080,
	// without the /v2 apps add): the value of EVIDENCE_PROXY_URL in the
	// next steps. Empty: a placeholder the text says to replace.
	ProxyURL string
	// KeyAdded says the sidecar adds its own API key to calls that carry
	// none, so AXYS_API_KEY may stay empty (curl then sends no header).
	KeyAdded bool
	// CallsURL, when set, is the prefix evidence numbers link to, followed
	// by the sequence number: "/calls/" on the admin listener.
	CallsURL string
	// Refresh, when positive, makes the HTML page reload itself that often
	// (a meta refresh, whole seconds, at least 1): the live page. Zero:
	// never.
	Refresh time.Duration
}

// Placement is where a Section appears.
type Placement int

const (
	// PlaceTop: right after the header, above the next steps and the
	// summary (provenance: what the report is about).
	PlaceTop Placement = iota
	// PlaceAfterSteps: after the next steps, above the summary.
	PlaceAfterSteps
	// PlaceEnd: after the endpoint inventory and status distribution.
	PlaceEnd
)

// Section is a part of a report its caller adds. Each format shows the
// section only when the section has a body for it: JSON, Markdown, HTML
// or Text. The renderer writes the title (a heading, escaped) and the
// element that holds the body; the body is the maker's, who escapes what
// it holds: the renderer checks only what could break the page around it.
type Section struct {
	// ID names the section: its key under "sections" in the JSON report
	// and its element id in the HTML. Lower-case letters, digits and
	// dashes, starting with a letter, at most 64; unique in a document and
	// none of the report's own ids (ReservedSectionIDs, and ids starting
	// with area-, req-, step-, call- or h-).
	ID string
	// Title is the section's heading, plain text.
	Title string
	Place Placement
	// JSON is the section's value in the JSON report (encoding/json; a
	// json.RawMessage is written as it is). Nil: not in the JSON.
	JSON any
	// Markdown is the section's body, below a "## Title" heading the
	// renderer writes. Empty: not in the Markdown.
	Markdown string
	// HTML is the section's body, inside a <section class="panel
	// xsection" id="ID"> with an <h2> title the renderer writes. Its
	// maker escapes it (html/template does). Empty: not in the HTML.
	HTML template.HTML
	// CSS is added to the page's stylesheet (the Content-Security-Policy
	// allows inline styles only). It may not contain '<'.
	CSS string
	// Text are the section's lines for the terminal table, under the
	// title in capitals; control characters are replaced. Nil: not in the
	// table.
	Text []string
}

// ReservedSectionIDs are the element ids the report itself uses at its
// top level; a Section may not take one, nor an id starting with one of
// reservedPrefixes (the report's per-item ids).
var ReservedSectionIDs = [...]string{"next-steps", "summary", "areas", "timeline", "statuses", "met-over-time", "reqs", "endpoints", "calls"}

// reservedPrefixes start the ids of the report's own items: areas,
// requirements, next steps, calls and headings.
var reservedPrefixes = [...]string{"area-", "req-", "step-", "call-", "h-"}

// Write renders d in format "json", "md", "html" or "table".
func (d *Document) Write(w io.Writer, format string) error {
	switch format {
	case "json":
		return d.WriteJSON(w)
	case "md":
		return d.WriteMarkdown(w)
	case "html":
		return d.WriteHTML(w)
	case "table":
		return d.WriteTable(w)
	}
	return fmt.Errorf("render coverage report: unknown format %q: json, md, html or table", format)
}

// Formats are the formats Write renders.
func Formats() []string { return []string{"json", "md", "html", "table"} }

// check validates the caller's parts of d.
func (d *Document) check() error {
	if d.Report == nil {
		return fmt.Errorf("render coverage report: no report")
	}
	seen := map[string]bool{}
	for _, id := range ReservedSectionIDs {
		seen[id] = true
	}
	for i, s := range d.Sections {
		if !validSectionID(s.ID) {
			return fmt.Errorf("render coverage report: section %d: id %q: want lower-case letters, digits and dashes, starting with a letter", i, s.ID)
		}
		if seen[s.ID] || hasReservedPrefix(s.ID) {
			return fmt.Errorf("render coverage report: section %q: the id is taken", s.ID)
		}
		seen[s.ID] = true
		if s.Place < PlaceTop || s.Place > PlaceEnd {
			return fmt.Errorf("render coverage report: section %q: unknown placement %d", s.ID, s.Place)
		}
		if strings.Contains(s.CSS, "<") {
			return fmt.Errorf("render coverage report: section %q: its CSS contains '<'", s.ID)
		}
	}
	return nil
}

func hasReservedPrefix(id string) bool {
	for _, p := range reservedPrefixes {
		if strings.HasPrefix(id, p) {
			return true
		}
	}
	return false
}

func validSectionID(id string) bool {
	if id == "" || len(id) > 64 || id[0] < 'a' || id[0] > 'z' {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return false
		}
	}
	return true
}

// placed returns the sections at p, in the document's order.
func (d *Document) placed(p Placement) []Section {
	var out []Section
	for _, s := range d.Sections {
		if s.Place == p {
			out = append(out, s)
		}
	}
	return out
}
