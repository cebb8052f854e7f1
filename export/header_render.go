package export

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"maps"
	"strings"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// The renderings of a Header at the top of each report format. A bundle's
// coverage reports get them from withHeader; a report made outside a
// bundle (the coverage command, /coverage) can add them with AddHeader, or
// WriteHeaderText before a table.

// WriteHeaderText writes the header as text lines, for a terminal, before
// a coverage table.
func WriteHeaderText(w io.Writer, h Header) error {
	var b strings.Builder
	for _, l := range h.Text() {
		b.WriteString(l + "\n")
	}
	b.WriteString("\n")
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write provenance header: %w", err)
	}
	return nil
}

// AddHeader returns a coverage report in format "json", "md" or "html"
// with the header at its top: a "provenance" member first in the JSON
// object, a block before the Markdown, a banner right after the HTML's
// <body>.
func AddHeader(format string, report []byte, h Header) ([]byte, error) {
	switch format {
	case "json":
		return jsonWithHeader(report, h)
	case "md":
		return append(markdownHeader(h), report...), nil
	case "html":
		return htmlWithHeader(report, h), nil
	}
	return nil, fmt.Errorf("add provenance header: unknown format %q", format)
}

// withHeader adds the header to a bundle's three coverage reports.
func withHeader(files map[string][]byte, h Header) (map[string][]byte, error) {
	out := maps.Clone(files) // derived members beyond the reports are kept as they are
	for name, format := range map[string]string{CoverageJSON: "json", CoverageMD: "md", CoverageHTML: "html"} {
		b, err := AddHeader(format, files[name], h)
		if err != nil {
			return nil, fmt.Errorf("render %s: %w", name, err)
		}
		out[name] = b
	}
	return out, nil
}

func jsonWithHeader(report []byte, h Header) ([]byte, error) {
	rest := bytes.TrimLeft(report, " \t\r\n")
	if len(rest) == 0 || rest[0] != '{' {
		return nil, fmt.Errorf("add provenance header: the JSON report is not an object")
	}
	rest = rest[1:]
	hdr, err := json.MarshalIndent(h, "  ", "  ")
	if err != nil {
		return nil, fmt.Errorf("add provenance header: %w", err)
	}
	var b bytes.Buffer
	b.WriteString("{\n  \"provenance\": ")
	b.Write(hdr)
	if trimmed := bytes.TrimLeft(rest, " \t\r\n"); len(trimmed) > 0 && trimmed[0] != '}' {
		b.WriteString(",")
	}
	if len(rest) > 0 && rest[0] != '\n' {
		b.WriteString("\n  ")
	}
	b.Write(rest)
	return b.Bytes(), nil
}

func markdownHeader(h Header) []byte {
	var b bytes.Buffer
	if len(h.Lines) == 0 {
		return nil
	}
	fmt.Fprintf(&b, "> **%s**\n\n", mdEscape(h.Lines[0].Text))
	b.WriteString("| Provenance | |\n|---|---|\n")
	for _, l := range h.Lines {
		fmt.Fprintf(&b, "| %s | %s |\n", mdEscape(l.Label), mdEscape(l.Text))
	}
	b.WriteString("\n")
	return b.Bytes()
}

// mdEscape makes text inert in Markdown and in a table cell.
func mdEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune("\\`*_[]<>|#!~", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// htmlWithHeader puts a banner right after <body…>, or first when there
// is none. It uses inline styles: the report's own stylesheet does not
// know it.
func htmlWithHeader(report []byte, h Header) []byte {
	banner := htmlBanner(h)
	i := bytes.Index(report, []byte("<body"))
	if i < 0 {
		return append(banner, report...)
	}
	j := bytes.IndexByte(report[i:], '>')
	if j < 0 {
		return append(banner, report...)
	}
	at := i + j + 1
	out := make([]byte, 0, len(report)+len(banner)+1)
	out = append(out, report[:at]...)
	out = append(out, '\n')
	out = append(out, banner...)
	return append(out, report[at:]...)
}

func htmlBanner(h Header) []byte {
	bg, edge := "#fdecea", "#b42318"
	if h.Class == evidence.ClassAxysStaging {
		bg, edge = "#ecfdf3", "#067647"
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, `<section class="provenance" data-class="%s" style="margin:0;padding:12px 20px;background:%s;border-bottom:4px solid %s;color:#101828;font:14px/1.45 system-ui,sans-serif">`+"\n",
		html.EscapeString(string(h.Class)), bg, edge)
	if len(h.Lines) > 0 {
		fmt.Fprintf(&b, `<p style="margin:0 0 8px;font-size:16px;font-weight:700;color:%s">%s</p>`+"\n", edge, html.EscapeString(h.Lines[0].Text))
	}
	b.WriteString(`<dl style="margin:0;display:grid;grid-template-columns:max-content 1fr;gap:2px 12px">` + "\n")
	for _, l := range h.Lines {
		fmt.Fprintf(&b, "<dt style=\"font-weight:600\">%s</dt><dd style=\"margin:0;overflow-wrap:anywhere\">%s</dd>\n", html.EscapeString(l.Label), html.EscapeString(l.Text))
	}
	b.WriteString("</dl>\n</section>\n")
	return b.Bytes()
}
