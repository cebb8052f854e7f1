package coverage

import (
	"fmt"
	"sort"
	"strconv"
	"time"
)

// The charts of the HTML report are computed here as plain geometry and
// drawn by the template as inline SVG: no script, no external assets. All
// coordinates are in the SVG's own user units (its viewBox); the browser
// scales the drawing to the page width.

const (
	chartWide        = 960 // viewBox width of a chart spanning the page
	chartHalf        = 510 // viewBox width of a chart sharing a row
	chartLabelColumn = 200 // room for the row labels of the area chart
	chartValueColumn = 130 // room for the values right of the bars
	chartRowHeight   = 30  // height of one bar row, bar plus gap
	chartBarHeight   = 18
)

// svgRect is one drawn rectangle with its hover text.
type svgRect struct {
	X, Y, W, H string
	Class      string
	Tip        string
}

// svgText is one label.
type svgText struct {
	X, Y   string
	Anchor string // "start", "middle" or "end"
	Class  string
	Text   string
	Full   string // the whole text when Text is clipped, shown on hover
	Href   string // optional in-page link
}

// svgLine is one axis or grid line.
type svgLine struct {
	X1, Y1, X2, Y2 string
	Class          string
}

// svgChart is a chart ready to draw.
type svgChart struct {
	Label  string // the accessible name (aria-label)
	Wide   bool   // stretched to the page width; otherwise drawn at most Width px wide
	Width  int
	Height int
	Rects  []svgRect
	Texts  []svgText
	Lines  []svgLine
	Legend []legendItem
}

// legendItem names one colour of a chart.
type legendItem struct {
	Class string
	Text  string
}

// svgNum renders a coordinate with one decimal, the same on every platform.
func svgNum(f float64) string {
	return strconv.FormatFloat(f, 'f', 1, 64)
}

// areaChart draws one horizontal stacked bar per evidence area: met,
// partial, violated and missing, left to right. Each label links to the
// in-page anchor links gives for its area, if any.
func areaChart(areas []AreaSummary, links map[string]string) *svgChart {
	if len(areas) == 0 {
		return nil
	}
	c := &svgChart{
		Label:  "Coverage by evidence area",
		Wide:   true,
		Width:  chartWide,
		Height: len(areas)*chartRowHeight + 8,
	}
	barW := float64(chartWide - chartLabelColumn - chartValueColumn)
	for i, a := range areas {
		y := float64(i*chartRowHeight) + 4
		label := clippedText(a.Area, 26)
		label.X, label.Y, label.Anchor, label.Class = svgNum(chartLabelColumn-10), svgNum(y+chartBarHeight-4), "end", "label"
		label.Href = links[a.Area]
		c.Texts = append(c.Texts, label)
		c.Rects = append(c.Rects, svgRect{
			X: svgNum(chartLabelColumn), Y: svgNum(y), W: svgNum(barW), H: svgNum(chartBarHeight), Class: "track",
			Tip: fmt.Sprintf("%s: %d requirements", a.Area, a.Total),
		})
		x := float64(chartLabelColumn)
		for _, seg := range []struct {
			status Status
			n      int
		}{{StatusMet, a.Met}, {StatusPartial, a.Partial}, {StatusViolated, a.Violated}, {StatusMissing, a.Missing}} {
			if seg.n == 0 || a.Total == 0 {
				continue
			}
			w := barW * float64(seg.n) / float64(a.Total)
			c.Rects = append(c.Rects, svgRect{
				X: svgNum(x), Y: svgNum(y), W: svgNum(w), H: svgNum(chartBarHeight), Class: "s-" + string(seg.status),
				Tip: fmt.Sprintf("%s: %d of %d %s", a.Area, seg.n, a.Total, seg.status),
			})
			x += w
		}
		c.Texts = append(c.Texts, svgText{
			X: svgNum(float64(chartWide - chartValueColumn + 10)), Y: svgNum(y + chartBarHeight - 4), Anchor: "start", Class: "value",
			Text: fmt.Sprintf("%d/%d met · %s", a.Met, a.Total, percentText(a.Ratio)),
		})
	}
	for _, s := range []Status{StatusMet, StatusPartial, StatusViolated, StatusMissing} {
		c.Legend = append(c.Legend, legendItem{Class: "s-" + string(s), Text: string(s)})
	}
	return c
}

// statusClassOrder is the stacking order of status classes, bottom up.
var statusClassOrder = [...]string{"2xx", "3xx", "4xx", "5xx", "none", "1xx"}

// classCSS maps a status class to its colour class; unknown classes share
// one colour.
func classCSS(class string) string {
	for _, k := range statusClassOrder {
		if k == class {
			return "c-" + k
		}
	}
	return "c-other"
}

// timelineChart draws one stacked column per timeline bucket, by status
// class, with a count axis on the left and the time range below. Its
// height (at least 200) matches the chart it shares a row with.
func timelineChart(buckets []TimelineBucket, height int) *svgChart {
	if len(buckets) == 0 {
		return nil
	}
	const left, right, top, bottom = 48.0, 8.0, 10.0, 26.0
	height = max(height, 200)
	c := &svgChart{Label: "Calls over time by status class", Width: chartHalf, Height: height}
	plotW, plotH := chartHalf-left-right, float64(height)-top-bottom
	peak, used := timelinePeak(buckets)
	slot := plotW / float64(len(buckets))
	gap := min(2, slot/4)
	if slot < 3 {
		gap = 0 // too narrow to separate: draw the columns as one area
	}
	for i, b := range buckets {
		x := left + float64(i)*slot + gap/2
		y := top + plotH
		for _, k := range classStackOrder(b.Classes) {
			n := b.Classes[k]
			if n <= 0 {
				continue
			}
			h := plotH * float64(n) / float64(peak)
			y -= h
			c.Rects = append(c.Rects, svgRect{
				X: svgNum(x), Y: svgNum(y), W: svgNum(slot - gap), H: svgNum(h), Class: classCSS(k),
				Tip: fmt.Sprintf("%s (+%s): %d × %s", chartTime(b.Start), time.Duration(b.WidthMS)*time.Millisecond, n, k),
			})
		}
	}
	ticks := []int{0, peak}
	if peak >= 4 {
		ticks = []int{0, peak / 2, peak}
	}
	for _, v := range ticks {
		y := top + plotH - plotH*float64(v)/float64(peak)
		c.Lines = append(c.Lines, svgLine{X1: svgNum(left), Y1: svgNum(y), X2: svgNum(chartHalf - right), Y2: svgNum(y), Class: "grid"})
		c.Texts = append(c.Texts, svgText{X: svgNum(left - 6), Y: svgNum(y + 4), Anchor: "end", Class: "axis", Text: groupThousands(v)})
	}
	first, last := buckets[0], buckets[len(buckets)-1]
	end := last.Start.Add(time.Duration(last.WidthMS) * time.Millisecond)
	c.Texts = append(c.Texts,
		svgText{X: svgNum(left), Y: svgNum(float64(height) - 6), Anchor: "start", Class: "axis", Text: chartTime(first.Start)},
		svgText{X: svgNum(chartHalf - right), Y: svgNum(float64(height) - 6), Anchor: "end", Class: "axis", Text: chartTime(end)},
	)
	for _, k := range used {
		c.Legend = append(c.Legend, legendItem{Class: classCSS(k), Text: clipRunes(k, 24)})
	}
	return c
}

// timelinePeak returns the largest bucket total (at least 1) and the
// status classes present, in stacking order.
func timelinePeak(buckets []TimelineBucket) (int, []string) {
	peak := 1
	present := map[string]bool{}
	for _, b := range buckets {
		total := 0
		for k, n := range b.Classes {
			if n > 0 {
				total += n
				present[k] = true
			}
		}
		peak = max(peak, total)
	}
	return peak, classStackOrder(present)
}

// classStackOrder lists the keys of m in stacking order: the known classes
// first, then any others alphabetically.
func classStackOrder[V any](m map[string]V) []string {
	var out, rest []string
	for _, k := range statusClassOrder {
		if _, ok := m[k]; ok {
			out = append(out, k)
		}
	}
	for k := range m {
		if classCSS(k) == "c-other" {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	return append(out, rest...)
}

// statusChart draws one horizontal bar per response status code, coloured
// by its class, longest bar for the most frequent code.
func statusChart(counts map[string]int) *svgChart {
	rows := sortedCodeCounts(counts)
	if len(rows) == 0 {
		return nil
	}
	const labelW, valueW = 60.0, 110.0
	c := &svgChart{Label: "Responses by status code", Width: chartHalf, Height: len(rows)*chartRowHeight + 8}
	peak, total := 1, 0
	for _, r := range rows {
		peak = max(peak, r.N)
		total += r.N
	}
	barW := float64(chartHalf) - labelW - valueW
	present := map[string]bool{}
	for i, r := range rows {
		y := float64(i*chartRowHeight) + 4
		class := statusCodeClass(r.Key)
		present[class] = true
		label := clippedText(r.Key, 6)
		label.X, label.Y, label.Anchor, label.Class = svgNum(labelW-10), svgNum(y+chartBarHeight-4), "end", "label"
		c.Texts = append(c.Texts, label)
		c.Rects = append(c.Rects, svgRect{
			X: svgNum(labelW), Y: svgNum(y), W: svgNum(max(1, barW*float64(r.N)/float64(peak))), H: svgNum(chartBarHeight),
			Class: classCSS(class), Tip: fmt.Sprintf("%s: %d calls", r.Key, r.N),
		})
		c.Texts = append(c.Texts, svgText{
			X: svgNum(chartHalf - valueW + 10), Y: svgNum(y + chartBarHeight - 4), Anchor: "start", Class: "value",
			Text: fmt.Sprintf("%s · %s", groupThousands(r.N), percentText(float64(r.N)/float64(total))),
		})
	}
	for _, k := range classStackOrder(present) {
		c.Legend = append(c.Legend, legendItem{Class: classCSS(k), Text: clipRunes(k, 24)})
	}
	return c
}

// statusCodeClass maps a status-count key ("404", "none") to its class.
func statusCodeClass(key string) string {
	n, err := strconv.Atoi(key)
	if err != nil || n < 100 || n > 599 {
		return "none"
	}
	return strconv.Itoa(n/100) + "xx"
}

// chartTime renders a time compactly in UTC for chart axes.
func chartTime(t time.Time) string {
	return t.UTC().Format("2006-01-02 15:04:05Z")
}

// clipRunes shortens s to at most n runes, ending in an ellipsis when cut.
func clipRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// clippedText is a label clipped to n runes that keeps its whole text for
// the hover title when cut.
func clippedText(s string, n int) svgText {
	t := svgText{Text: clipRunes(s, n)}
	if t.Text != s {
		t.Full = s
	}
	return t
}
