package coverage

import (
	"io"
	"testing"
)

// The admin listener renders /coverage on every request, so rendering is
// measured for a full-size report: the built-in matrix's ~60
// requirements and a timeline of 240 buckets.
func benchReport() *Report {
	r := mixedReport()
	base := r.Requirements
	for len(r.Requirements) < 64 {
		r.Requirements = append(r.Requirements, base...)
	}
	r.Timeline = longReport().Timeline
	return renderSummarised(r)
}

func BenchmarkRenderHTML(b *testing.B) {
	r := benchReport()
	b.ReportAllocs()
	for b.Loop() {
		if err := WriteHTML(io.Discard, r); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRenderMarkdown(b *testing.B) {
	r := benchReport()
	b.ReportAllocs()
	for b.Loop() {
		if err := WriteMarkdown(io.Discard, r); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRenderTable(b *testing.B) {
	r := benchReport()
	b.ReportAllocs()
	for b.Loop() {
		if err := WriteTable(io.Discard, r); err != nil {
			b.Fatal(err)
		}
	}
}
