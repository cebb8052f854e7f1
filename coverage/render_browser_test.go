package coverage

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"image"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/evidence-proxy/evidence-proxy/internal/browsertest"
)

// These tests load the HTML report in headless Chromium and check what a
// person would see: the parsed page, the laid-out charts, that nothing is
// fetched from anywhere, and a screenshot that is not blank.

// runChromium runs headless Chromium with a fresh profile and returns its
// standard output.
func runChromium(t *testing.T, args ...string) []byte {
	t.Helper()
	return browsertest.Run(t, args...)
}

// writeReportFile renders r into a temporary HTML file and returns its
// file:// URL.
func writeReportFile(t *testing.T, r *Report) (path, url string) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "coverage.html")
	f, err := os.Create(path)
	if err != nil {
		t.Fatalf("create report file: %v", err)
	}
	if err := WriteHTML(f, r); err != nil {
		t.Fatalf("render: %v", err)
	}
	if err := f.Close(); err != nil {
		t.Fatalf("close report file: %v", err)
	}
	return path, "file://" + path
}

// TestRenderBrowserDOM loads report files and checks the DOM Chromium
// built from them: every requirement with its status, the three charts,
// and hostile strings left as text.
func TestRenderBrowserDOM(t *testing.T) {
	for _, c := range []renderCase{{"mixed", mixedReport()}, {"hostile", hostileReport()}} {
		t.Run(c.name, func(t *testing.T) {
			_, url := writeReportFile(t, c.report)
			dom := string(runChromium(t, "--dump-dom", url))
			if !strings.Contains(dom, "<h1>Coverage report</h1>") {
				t.Fatalf("the page did not render:\n%.2000s", dom)
			}
			for _, q := range c.report.Requirements {
				want := fmt.Sprintf(`<code class="rid">%s</code>`, domText(q.ID))
				if !strings.Contains(dom, want) {
					t.Errorf("requirement %q not shown", q.ID)
				}
			}
			for _, s := range Statuses {
				if c.report.Summary.ByStatus[s] > 0 && !strings.Contains(dom, fmt.Sprintf(`<span class="badge b-%s">%s</span>`, s, s)) {
					t.Errorf("no %s badge shown", s)
				}
			}
			if n, want := strings.Count(dom, `<svg class="chart`), wantCharts(c.report); n != want {
				t.Errorf("got %d charts, want %d", n, want)
			}
			if n := strings.Count(dom, "<script"); n != 1 {
				t.Errorf("got %d script elements, want only the report's own", n)
			}
			if strings.Contains(dom, "<img") {
				t.Error("an img element was injected")
			}
		})
	}
}

// wantCharts is the number of charts the page of r draws: coverage by
// area, calls over time, statuses, and the requirements met over time
// when some requirement has been met.
func wantCharts(r *Report) int {
	if len(metOverTime(r)) > 0 {
		return 4
	}
	return 3
}

// domText escapes s as Chromium serialises a text node.
func domText(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "\u00a0", "&nbsp;").Replace(s)
}

// violationWatch is put first in the served page's head by the test only:
// it collects every Content-Security-Policy violation the page causes.
const violationWatch = `<script>window.cspViolations=[];document.addEventListener("securitypolicyviolation",function(e){window.cspViolations.push(e.violatedDirective+" "+e.blockedURI)});</script>`

// scriptHash is the CSP source expression allowing one inline script.
func scriptHash(element string) string {
	body := strings.TrimSuffix(strings.TrimPrefix(element, "<script>"), "</script>")
	sum := sha256.Sum256([]byte(body))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

// layoutProbe is appended to the served page by the test only: once the
// page has loaded and pending policy-violation reports are delivered, it
// measures what the browser laid out and writes it into the DOM for
// --dump-dom to carry out (--virtual-time-budget lets it run first).
const layoutProbe = `<script>
window.addEventListener("load", function () { setTimeout(function () {
  var charts = [];
  document.querySelectorAll("svg.chart").forEach(function (s) {
    var b = s.getBoundingClientRect();
    charts.push({label: s.getAttribute("aria-label"), width: b.width, height: b.height, marks: s.querySelectorAll("rect").length});
  });
  var out = {
    title: document.title,
    charts: charts,
    details: document.querySelectorAll("details.req").length,
    summaryHeights: Array.prototype.map.call(document.querySelectorAll("details.req > summary"), function (s) { return s.getBoundingClientRect().height; }),
    pageWidth: document.documentElement.scrollWidth,
    viewportWidth: window.innerWidth,
    resources: performance.getEntriesByType("resource").map(function (e) { return e.name; }),
    violations: window.cspViolations || ["violation watch did not run"]
  };
  var pre = document.createElement("pre");
  pre.id = "probe";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
}, 0); });
</script>`

// probeResult is what layoutProbe reports.
type probeResult struct {
	Title  string `json:"title"`
	Charts []struct {
		Label  string  `json:"label"`
		Width  float64 `json:"width"`
		Height float64 `json:"height"`
		Marks  int     `json:"marks"`
	} `json:"charts"`
	Details        int       `json:"details"`
	SummaryHeights []float64 `json:"summaryHeights"`
	PageWidth      float64   `json:"pageWidth"`
	ViewportWidth  float64   `json:"viewportWidth"`
	Resources      []string  `json:"resources"`
	Violations     []string  `json:"violations"`
}

var probeOut = regexp.MustCompile(`<pre id="probe">(.*?)</pre>`)

// TestRenderBrowserServed serves the report over HTTP the way the admin
// listener does, under HTMLContentSecurityPolicy, with Chromium sending
// every request of every host through the test server as its proxy: the
// page must cause exactly one request, its own, break no policy rule, and
// lay out its charts with real sizes.
func TestRenderBrowserServed(t *testing.T) {
	r := mixedReport()
	var page bytes.Buffer
	if err := WriteHTML(&page, r); err != nil {
		t.Fatalf("render: %v", err)
	}
	body := strings.Replace(page.String(), "<head>", "<head>"+violationWatch, 1)
	body = strings.Replace(body, "</body>", layoutProbe+"</body>", 1)
	// The page is served under the report's own policy, widened only by
	// the hashes of the test's two scripts.
	policy := strings.Replace(HTMLContentSecurityPolicy, "script-src ",
		"script-src "+scriptHash(violationWatch)+" "+scriptHash(layoutProbe)+" ", 1)

	var mu sync.Mutex
	var requests []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if browserHousekeeping(req.Host) {
			http.Error(w, "no network for the browser itself", http.StatusForbidden)
			return
		}
		mu.Lock()
		requests = append(requests, req.Method+" "+req.RequestURI)
		mu.Unlock()
		if req.Host != "report.test" || req.URL.Path != "/coverage" {
			http.Error(w, "not part of the report", http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", policy)
		fmt.Fprint(w, body)
	}))
	defer srv.Close()

	dom := string(runChromium(t, "--window-size=1280,2000", "--virtual-time-budget=5000",
		"--proxy-server="+srv.URL, "--proxy-bypass-list=<-loopback>",
		"--dump-dom", "http://report.test/coverage"))
	m := probeOut.FindStringSubmatch(dom)
	if m == nil {
		t.Fatalf("layout probe did not run; requests %v; DOM:\n%.2000s", requests, dom)
	}
	var got probeResult
	if err := json.Unmarshal([]byte(html.UnescapeString(m[1])), &got); err != nil {
		t.Fatalf("decode probe output: %v", err)
	}
	checkLayout(t, r, got)

	mu.Lock()
	defer mu.Unlock()
	if want := []string{"GET http://report.test/coverage"}; strings.Join(requests, "\n") != strings.Join(want, "\n") {
		t.Errorf("the browser made requests %q, want only %q", requests, want)
	}
	if len(got.Resources) != 0 {
		t.Errorf("the page loaded resources %q, want none", got.Resources)
	}
	if len(got.Violations) != 0 {
		t.Errorf("the page broke its Content-Security-Policy: %q", got.Violations)
	}
}

// browserHousekeeping reports whether a request is Chromium's own
// background traffic (component updates, account checks), which some
// versions send even with background networking disabled; it is refused
// and not counted. The page's own resource list must be empty anyway.
func browserHousekeeping(host string) bool {
	host, _, _ = strings.Cut(host, ":")
	switch host {
	case "update.googleapis.com", "accounts.google.com", "clients2.google.com", "clientservices.googleapis.com":
		return true
	}
	return false
}

func checkLayout(t *testing.T, r *Report, got probeResult) {
	t.Helper()
	if !strings.HasPrefix(got.Title, "Coverage report") {
		t.Errorf("title %q", got.Title)
	}
	if want := wantCharts(r); len(got.Charts) != want {
		t.Fatalf("got %d charts, want %d: %+v", len(got.Charts), want, got.Charts)
	}
	for _, c := range got.Charts {
		if c.Width < 300 || c.Height < 60 {
			t.Errorf("chart %q laid out %.0f×%.0f, too small to read", c.Label, c.Width, c.Height)
		}
		if c.Marks == 0 {
			t.Errorf("chart %q has no bars", c.Label)
		}
	}
	if got.Details != len(r.Requirements) {
		t.Errorf("got %d expandable requirements, want %d", got.Details, len(r.Requirements))
	}
	for i, h := range got.SummaryHeights {
		if h < 20 {
			t.Errorf("requirement %d summary is %.0f px high, hidden or collapsed", i, h)
		}
	}
	if got.PageWidth > got.ViewportWidth {
		t.Errorf("page is %.0f px wide in a %.0f px window: it scrolls sideways", got.PageWidth, got.ViewportWidth)
	}
}

// TestRenderBrowserScreenshot takes a screenshot of the report and checks
// that it shows something: not one flat colour, and the colours of the
// header, the met and the violated statuses all present (the window is
// tall enough to reach the charts below the next steps).
func TestRenderBrowserScreenshot(t *testing.T) {
	_, url := writeReportFile(t, mixedReport())
	shot := filepath.Join(t.TempDir(), "report.png")
	runChromium(t, "--window-size=1280,3200", "--screenshot="+shot, url)
	f, err := os.Open(shot)
	if err != nil {
		t.Fatalf("open screenshot: %v", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("decode screenshot: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 1280 || b.Dy() != 3200 {
		t.Errorf("screenshot is %d×%d, want 1280×3200", b.Dx(), b.Dy())
	}
	mean, variance := luminance(img)
	if variance < 200 {
		t.Errorf("screenshot luminance variance %.0f (mean %.0f): the page looks blank", variance, mean)
	}
	for _, c := range []struct {
		name    string
		r, g, b uint8
		min     int
	}{
		{"header navy", 0x0d, 0x1b, 0x2a, 50000},
		{"met green", 0x1a, 0x7f, 0x37, 2000},
		{"violated red", 0xcf, 0x22, 0x2e, 1000},
		{"2xx bars", 0x00, 0x9e, 0x73, 2000},
	} {
		if n := pixelsNear(img, c.r, c.g, c.b); n < c.min {
			t.Errorf("%s: %d pixels, want at least %d", c.name, n, c.min)
		}
	}
}

// luminance returns the mean and variance of the image's luminance, 0–255.
func luminance(img image.Image) (mean, variance float64) {
	b := img.Bounds()
	var sum, sq float64
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			l := (0.2126*float64(r) + 0.7152*float64(g) + 0.0722*float64(bl)) / 257
			sum += l
			sq += l * l
		}
	}
	n := float64(b.Dx() * b.Dy())
	mean = sum / n
	return mean, sq/n - mean*mean
}

// pixelsNear counts the pixels within a small distance of a colour.
func pixelsNear(img image.Image, r, g, b uint8) int {
	near := func(a uint32, want uint8) bool {
		d := int(a>>8) - int(want)
		return d >= -6 && d <= 6
	}
	n := 0
	bounds := img.Bounds()
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		for x := bounds.Min.X; x < bounds.Max.X; x++ {
			pr, pg, pb, _ := img.At(x, y).RGBA()
			if near(pr, r) && near(pg, g) && near(pb, b) {
				n++
			}
		}
	}
	return n
}
