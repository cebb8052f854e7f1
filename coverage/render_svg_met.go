package coverage

import (
	"fmt"
	"slices"
	"time"
)

// metPoint is one requirement met now, at the record it was first seen
// met.
type metPoint struct {
	ID   string
	Seq  uint64
	Time time.Time
}

// metOverTime lists the requirements met now by when they were first
// seen met, earliest first (ties in matrix order). A requirement met once
// and not now (violated since) is not drawn: the line ends at the number
// met now.
func metOverTime(r *Report) []metPoint {
	var out []metPoint
	for _, q := range r.Requirements {
		if q.Status == StatusMet && q.FirstMet != nil {
			out = append(out, metPoint{ID: q.ID, Seq: q.FirstMet.Seq, Time: q.FirstMet.Time})
		}
	}
	slices.SortStableFunc(out, func(a, b metPoint) int { return cmpSeq(a.Seq, b.Seq) })
	return out
}

// metChart draws the number of requirements met over the report's time
// range as a rising step line, one marker per requirement (its id and
// record on hover), against the total on the left axis.
func metChart(r *Report) *svgChart {
	pts := metOverTime(r)
	if len(pts) == 0 || r.Summary.Total == 0 {
		return nil
	}
	const left, right, top, bottom, height = 48.0, 16.0, 10.0, 26.0, 220
	c := &svgChart{Label: "Requirements met over time", Wide: true, Width: chartWide, Height: height}
	plotW, plotH := chartWide-left-right, float64(height)-top-bottom
	from, to := r.From, r.To
	if !to.After(from) {
		to = from.Add(time.Second)
	}
	x := func(t time.Time) float64 {
		f := float64(t.Sub(from)) / float64(to.Sub(from))
		return left + plotW*min(max(f, 0), 1)
	}
	y := func(n int) float64 { return top + plotH - plotH*float64(n)/float64(r.Summary.Total) }
	for _, v := range metTicks(r.Summary.Total) {
		c.Lines = append(c.Lines, svgLine{X1: svgNum(left), Y1: svgNum(y(v)), X2: svgNum(chartWide - right), Y2: svgNum(y(v)), Class: "grid"})
		c.Texts = append(c.Texts, svgText{X: svgNum(left - 6), Y: svgNum(y(v) + 4), Anchor: "end", Class: "axis", Text: groupThousands(v)})
	}
	prevX, n := left, 0
	for _, p := range pts {
		px := x(p.Time)
		c.Lines = append(c.Lines,
			svgLine{X1: svgNum(prevX), Y1: svgNum(y(n)), X2: svgNum(px), Y2: svgNum(y(n)), Class: "met-line"},
			svgLine{X1: svgNum(px), Y1: svgNum(y(n)), X2: svgNum(px), Y2: svgNum(y(n + 1)), Class: "met-line"})
		n++
		c.Rects = append(c.Rects, svgRect{X: svgNum(px - 3), Y: svgNum(y(n) - 3), W: "6.0", H: "6.0", Class: "s-met",
			Tip: fmt.Sprintf("%s first met at %s (#%d): %d of %d met", p.ID, chartTime(p.Time), p.Seq, n, r.Summary.Total)})
		prevX = px
	}
	c.Lines = append(c.Lines, svgLine{X1: svgNum(prevX), Y1: svgNum(y(n)), X2: svgNum(x(to)), Y2: svgNum(y(n)), Class: "met-line"})
	c.Texts = append(c.Texts,
		svgText{X: svgNum(left), Y: svgNum(float64(height) - 6), Anchor: "start", Class: "axis", Text: chartTime(from)},
		svgText{X: svgNum(chartWide - right), Y: svgNum(float64(height) - 6), Anchor: "end", Class: "axis", Text: chartTime(r.To)},
	)
	c.Legend = []legendItem{{Class: "s-met", Text: fmt.Sprintf("met: %d of %d now, each at the record it was first seen met", n, r.Summary.Total)}}
	return c
}

// metTicks are the count axis's ticks: none, half and all.
func metTicks(total int) []int {
	if total >= 4 {
		return []int{0, total / 2, total}
	}
	return []int{0, total}
}
