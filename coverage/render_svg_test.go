package coverage

import (
	"math"
	"strings"
	"testing"
	"time"
)

// closeTo compares chart coordinates, which are rounded to 0.1 each.
func closeTo(got, want, slack float64) bool {
	return math.Abs(got-want) <= slack
}

func TestRenderAreaChart(t *testing.T) {
	areas := []AreaSummary{
		{Area: "call traces", Total: 8, Met: 4, Partial: 2, Violated: 1, Missing: 1, Ratio: 0.5},
		{Area: "reconciliation", Total: 3, Missing: 3},
	}
	c := areaChart(areas, map[string]string{"call traces": "#area-call-traces"})
	barW := float64(chartWide - chartLabelColumn - chartValueColumn)
	widths := map[string]map[string]float64{}
	var order []string
	for _, r := range c.Rects {
		area := r.Tip[:strings.Index(r.Tip, ":")]
		if widths[area] == nil {
			widths[area] = map[string]float64{}
		}
		widths[area][r.Class] += svgParse(t, r.W)
		if area == "call traces" && r.Class != "track" {
			order = append(order, r.Class)
		}
	}
	for _, a := range areas {
		var sum float64
		for _, s := range Statuses {
			w := widths[a.Area]["s-"+string(s)]
			n := map[Status]int{StatusMet: a.Met, StatusPartial: a.Partial, StatusMissing: a.Missing, StatusViolated: a.Violated}[s]
			if want := barW * float64(n) / float64(a.Total); !closeTo(w, want, 0.06) {
				t.Errorf("%s %s: width %.1f, want %.1f", a.Area, s, w, want)
			}
			sum += w
		}
		if !closeTo(sum, barW, 0.2) {
			t.Errorf("%s: segments add up to %.1f, want the full bar %.1f", a.Area, sum, barW)
		}
		if w := widths[a.Area]["track"]; !closeTo(w, barW, 0.06) {
			t.Errorf("%s: track %.1f wide, want %.1f", a.Area, w, barW)
		}
	}
	if got, want := strings.Join(order, " "), "s-met s-partial s-violated s-missing"; got != want {
		t.Errorf("segment order %q, want %q", got, want)
	}
	if got := c.Texts[0].Href; got != "#area-call-traces" {
		t.Errorf("first label links to %q", got)
	}
	if got := c.Texts[2].Href; got != "" {
		t.Errorf("label without an anchor links to %q", got)
	}
	if areaChart(nil, nil) != nil {
		t.Error("chart drawn for no areas")
	}
}

func TestRenderTimelineChart(t *testing.T) {
	buckets := []TimelineBucket{
		{Start: renderEpoch, WidthMS: 60000, Classes: map[string]int{"2xx": 6, "5xx": 2}},
		{Start: renderEpoch.Add(time.Minute), WidthMS: 60000, Classes: map[string]int{}},
		{Start: renderEpoch.Add(2 * time.Minute), WidthMS: 60000, Classes: map[string]int{"4xx": 4, "2xx": 0}},
	}
	c := timelineChart(buckets, 300)
	if c.Height != 300 {
		t.Errorf("height %d, want the paired chart's 300", c.Height)
	}
	plotH := float64(c.Height) - 10 - 26
	heights := map[string]float64{}
	xs := map[string]float64{}
	for _, r := range c.Rects {
		key := r.Tip[:strings.Index(r.Tip, " (+")]
		heights[key] += svgParse(t, r.H)
		xs[key] = svgParse(t, r.X)
	}
	t0, t2 := chartTime(buckets[0].Start), chartTime(buckets[2].Start)
	if !closeTo(heights[t0], plotH, 0.2) {
		t.Errorf("busiest column %.1f high, want the plot height %.1f", heights[t0], plotH)
	}
	if !closeTo(heights[t2], plotH/2, 0.2) {
		t.Errorf("column of 4 calls %.1f high, want half the plot %.1f", heights[t2], plotH/2)
	}
	if len(c.Rects) != 3 {
		t.Errorf("got %d rectangles, want 3 (empty classes and buckets draw none)", len(c.Rects))
	}
	if xs[t2] <= xs[t0] {
		t.Errorf("columns out of time order: x %.1f then %.1f", xs[t0], xs[t2])
	}
	var legend []string
	for _, l := range c.Legend {
		legend = append(legend, l.Text)
	}
	if got, want := strings.Join(legend, " "), "2xx 4xx 5xx"; got != want {
		t.Errorf("legend %q, want %q", got, want)
	}
	if got := c.Texts[len(c.Texts)-1].Text; got != chartTime(renderEpoch.Add(3*time.Minute)) {
		t.Errorf("time axis ends at %q, want the end of the last bucket", got)
	}
	if timelineChart(nil, 300) != nil {
		t.Error("chart drawn for no buckets")
	}
}

func TestRenderStatusChart(t *testing.T) {
	c := statusChart(map[string]int{"200": 90, "404": 9, "none": 1})
	if len(c.Rects) != 3 {
		t.Fatalf("got %d bars, want 3", len(c.Rects))
	}
	want := []struct {
		class string
		w     float64
	}{{"c-2xx", 340}, {"c-4xx", 34}, {"c-none", 3.8}}
	for i, r := range c.Rects {
		if r.Class != want[i].class {
			t.Errorf("bar %d class %q, want %q", i, r.Class, want[i].class)
		}
		if w := svgParse(t, r.W); !closeTo(w, want[i].w, 0.06) {
			t.Errorf("bar %d width %.1f, want %.1f", i, w, want[i].w)
		}
	}
	if statusChart(nil) != nil {
		t.Error("chart drawn for no calls")
	}
}

func TestRenderClippedText(t *testing.T) {
	short := clippedText("state transitions", 26)
	if short.Text != "state transitions" || short.Full != "" {
		t.Errorf("short label changed: %+v", short)
	}
	long := clippedText("call traces with an unusually long area name", 26)
	if long.Text != "call traces with an unusu…" || long.Full == "" {
		t.Errorf("long label not clipped with its full text kept: %+v", long)
	}
}
