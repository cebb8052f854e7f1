package admin

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"html"
	"image"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/evidence-proxy/evidence-proxy/coverage"
	"github.com/evidence-proxy/evidence-proxy/internal/browsertest"
)

// These tests load the admin listener's pages in headless Chromium, under
// the policies the listener sends, as a person would: the live coverage
// page's next steps (violated first, in a screenshot), its evidence links
// opening the call's record, and its refresh.

// runChromium runs headless Chromium with a fresh profile, every request
// going through proxy (the test server), and returns its standard output.
func runChromium(t *testing.T, proxy string, args ...string) []byte {
	t.Helper()
	return browsertest.Run(t, append([]string{"--proxy-server=" + proxy, "--proxy-bypass-list=<-loopback>"}, args...)...)
}

// liveReport is a report with every status, whose evidence names records
// of manyCalls: violated TM4 (#20, #30), missing TM9, partial ERR-403 (#9).
func liveReport() *coverage.Report {
	r := &coverage.Report{Schema: coverage.ReportSchema, Records: 40, FirstSeq: 1, LastSeq: 40,
		From: callsEpoch, To: callsEpoch.Add(40 * time.Second), StatusCounts: map[string]int{"200": 36, "404": 4}}
	r.Requirements = []coverage.RequirementResult{
		{ID: "TM1", Title: "Onboarding reaches approval", Area: "state-transitions", Status: coverage.StatusMet, Evidence: []uint64{2, 3}},
		{ID: "ERR-403", Title: "Both causes of 403 told apart", Area: "error-handling", Status: coverage.StatusPartial,
			Explanation: "only one cause seen", Evidence: []uint64{9}, Steps: []string{`curl -sS "$PROXY/v2/cards/fees"`}},
		{ID: "TM9", Title: "Physical card issuance", Area: "call-traces", Status: coverage.StatusMissing,
			Explanation: "no POST /cards/assign call", Steps: []string{`curl -sS -X POST "$PROXY/v2/cards/assign/10001"`}},
		{ID: "TM4", Title: "Admin decline is not retried", Area: "error-handling", Status: coverage.StatusViolated,
			Explanation: "kyc-submit called again after status 7", Evidence: []uint64{20, 30}},
	}
	r.Summary = coverage.Summary{Total: 4, ByStatus: map[coverage.Status]int{
		coverage.StatusMet: 1, coverage.StatusPartial: 1, coverage.StatusMissing: 1, coverage.StatusViolated: 1}}
	return r
}

// liveServer serves the admin handler over manyCalls(40), its /coverage
// the live report rendered as the sidecar does (links to /calls/, the
// refresh given), under policy, and counts the requests for each path.
type liveServer struct {
	srv  *httptest.Server
	mu   sync.Mutex
	hits map[string]int
}

func startLive(t *testing.T, refresh time.Duration, policy string, inject string) *liveServer {
	t.Helper()
	ls := &liveServer{hits: map[string]int{}}
	h := Handler(Options{
		Records:     manyCalls(40),
		Report:      liveReport,
		CoverageCSP: policy,
		Coverage: func(w io.Writer, format string) error {
			d := coverage.Document{Report: liveReport(), Options: coverage.RenderOptions{
				ProxyURL: "http://127.0.0.1:18080", CallsURL: "/calls/", Refresh: refresh}}
			if inject == "" {
				return d.Write(w, format)
			}
			var buf bytes.Buffer
			if err := d.Write(&buf, format); err != nil {
				return err
			}
			_, err := io.WriteString(w, strings.Replace(buf.String(), "</body>", inject+"</body>", 1))
			return err
		},
	})
	ls.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Host != "127.0.0.1:19090" {
			http.Error(w, "not the admin listener", http.StatusForbidden)
			return
		}
		ls.mu.Lock()
		ls.hits[r.URL.Path]++
		ls.mu.Unlock()
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(ls.srv.Close)
	return ls
}

// adminURL is the admin listener as the browser addresses it (an IP
// literal passes the Host check); the test server is its proxy.
const adminURL = "http://127.0.0.1:19090"

func (ls *liveServer) count(path string) int {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	return ls.hits[path]
}

// clickProbe follows the first evidence link of the next steps once the
// page has loaded: the DOM Chromium dumps is then the page it opened.
const clickProbe = `<script>window.addEventListener("load",function(){var a=document.querySelector("#next-steps a[href^='/calls/']");if(a){a.click()}});</script>`

func scriptHash(element string) string {
	sum := sha256.Sum256([]byte(strings.TrimSuffix(strings.TrimPrefix(element, "<script>"), "</script>")))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

// TestCoverageEvidenceLinkOpensCall clicks the first evidence number of
// the next steps, the violated TM4's first mishandling call, and wants the
// call's record page: record #20, its chain hash, TM4 among what it is
// evidence for.
func TestCoverageEvidenceLinkOpensCall(t *testing.T) {
	policy := strings.Replace(coverage.HTMLContentSecurityPolicy, "script-src ", "script-src "+scriptHash(clickProbe)+" ", 1)
	ls := startLive(t, 0, policy, clickProbe)
	dom := string(runChromium(t, ls.srv.URL, "--virtual-time-budget=5000", "--dump-dom", adminURL+"/coverage"))
	if ls.count("/coverage") != 1 || ls.count("/calls/20") != 1 {
		t.Fatalf("requests %v: want /coverage, then /calls/20", ls.hits)
	}
	for _, want := range []string{"<h1>Record #20</h1>", "Chain hash", `href="/coverage#req-tm4"`, "GET https://staging.api.axyscards.com/v2/cards/8020"} {
		if !strings.Contains(html.UnescapeString(dom), want) {
			t.Errorf("the opened page lacks %q:\n%.1500s", want, dom)
		}
	}
}

// TestCoverageRefreshesUnderCSP serves the live page, set to refresh every
// second, under the report's own policy unchanged (no script allowed but
// the print helper), and leaves it open in Chromium until the browser has
// loaded it three times by itself (or 30 s have passed).
func TestCoverageRefreshesUnderCSP(t *testing.T) {
	ls := startLive(t, time.Second, coverage.HTMLContentSecurityPolicy, "")
	req, _ := http.NewRequest("GET", ls.srv.URL+"/coverage", nil)
	req.Host = "127.0.0.1:19090"
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if page := string(b); !strings.Contains(page, `<meta http-equiv="refresh" content="1">`) {
		t.Fatalf("the page has no refresh:\n%.800s", page)
	}
	before := ls.count("/coverage")
	browsertest.Start(t, "--proxy-server="+ls.srv.URL, "--proxy-bypass-list=<-loopback>", adminURL+"/coverage")
	for deadline := time.Now().Add(30 * time.Second); ls.count("/coverage")-before < 3 && time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond)
	}
	if n := ls.count("/coverage") - before; n < 3 {
		t.Errorf("the browser loaded the page %d times in 30 s with a 1 s refresh, want at least 3", n)
	}
}

var nextItem = regexp.MustCompile(`<li class="next-item st-([a-z]+)"`)

// TestCoverageNextStepsScreenshot takes a screenshot of the live page's
// first screen and checks that its next steps show the violated
// requirement first, then the missing, then the partial one: the badges'
// colours appear top to bottom in that order, and the DOM agrees.
func TestCoverageNextStepsScreenshot(t *testing.T) {
	ls := startLive(t, 0, coverage.HTMLContentSecurityPolicy, "")
	shot := filepath.Join(t.TempDir(), "live.png")
	runChromium(t, ls.srv.URL, "--window-size=1280,1000", "--screenshot="+shot, adminURL+"/coverage")
	img := readPNG(t, shot)
	red := firstRow(img, 0xcf, 0x22, 0x2e)
	gray := firstRow(img, 0x6e, 0x77, 0x81)
	amber := firstRow(img, 0x9a, 0x67, 0x00)
	if red < 0 || gray < 0 || amber < 0 || !(red < gray && gray < amber) {
		t.Errorf("first rows of the violated (%d), missing (%d) and partial (%d) badges: want them in that order on the first screen", red, gray, amber)
	}
	dom := string(runChromium(t, ls.srv.URL, "--dump-dom", adminURL+"/coverage"))
	var order []string
	for _, m := range nextItem.FindAllStringSubmatch(dom, -1) {
		order = append(order, m[1])
	}
	if got := strings.Join(order, " "); got != "violated missing partial" {
		t.Errorf("next steps in order %q", got)
	}
}

func readPNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("open screenshot: %v", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("decode screenshot: %v", err)
	}
	return img
}

// firstRow is the first row, top down, with at least 20 pixels close to
// the colour (a badge's background, not anti-aliased text), or -1.
func firstRow(img image.Image, r, g, b uint8) int {
	near := func(a uint32, want uint8) bool {
		d := int(a>>8) - int(want)
		return d >= -4 && d <= 4
	}
	bounds := img.Bounds()
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		n := 0
		for x := bounds.Min.X; x < bounds.Max.X; x++ {
			pr, pg, pb, _ := img.At(x, y).RGBA()
			if near(pr, r) && near(pg, g) && near(pb, b) {
				n++
			}
		}
		if n >= 20 {
			return y - bounds.Min.Y
		}
	}
	return -1
}
