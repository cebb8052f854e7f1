package deploy

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/evidence-proxy/evidence-proxy/internal/axysemu"
)

// TestLivePrometheus runs the kit against the real thing: the sidecar built
// from this tree in front of the emulator, with calls driven through it,
// scraped by a real Prometheus loaded with the shipped scrape configuration
// and rules. Every PromQL expression of the dashboard, the recording rules
// and the alerts must evaluate, and every metric they name must be in the
// sidecar's exposition:
//
//   - dashboard queries and recording rules must return series;
//   - alerts must evaluate, and each vector selector in them must return
//     series (an alert that is rightly quiet returns nothing, so its
//     inputs are checked instead);
//   - every recording and alerting rule must report health "ok".
func TestLivePrometheus(t *testing.T) {
	if testing.Short() {
		t.Skip("live test: builds the binary and runs Prometheus (skipped with -short)")
	}
	promBin := needTool(t, "prometheus", "prometheus")
	bin := buildBinary(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	k := startKit(ctx, t, bin)
	driveTraffic(t, k)
	exposed := expositionNames(t, k.admin)

	checks := liveChecks(t)
	for _, c := range checks {
		for _, name := range metricNames(c.expr) {
			if !exposed[name] {
				t.Errorf("%s: metric %s is not in the sidecar's /metrics", c.source, name)
			}
		}
	}

	prom := startPrometheus(t, promBin, k.admin)
	t.Logf("running %d expressions against Prometheus", len(checks))
	failures := prom.waitChecks(t, checks, 60*time.Second)
	for _, f := range failures {
		t.Error(f)
	}
	prom.checkRuleHealth(t)
}

// kit is the emulator and the sidecar in front of it.
type kit struct {
	emu    *axysemu.Server
	sc     *proc
	listen string // the sidecar's proxy listener
	admin  string // the sidecar's admin listener
}

func startKit(ctx context.Context, t *testing.T, bin string) *kit {
	t.Helper()
	dir := t.TempDir()
	certs := filepath.Join(dir, "emulator")
	creds, _, err := axysemu.LoadOrCreateCredentials(certs, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	emu, err := axysemu.Start(ctx, axysemu.StartOptions{Credentials: creds})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emu.Close() })

	sc := startProc(t, bin, []string{"serve",
		"--listen=127.0.0.1:0",
		"--admin-listen=127.0.0.1:0",
		"--otlp-listen=127.0.0.1:0",
		"--upstream=" + emu.URL,
		"--upstream-ca=" + filepath.Join(certs, axysemu.CAFile),
		"--client-cert=" + filepath.Join(certs, axysemu.ClientCertFile),
		"--client-key=" + filepath.Join(certs, axysemu.ClientKeyFile),
		"--data-dir=" + filepath.Join(dir, "data"),
	}, "EVIDENCE_PROXY_API_KEY="+emu.APIKey)
	line := sc.waitLogLine(t, "serving", 30*time.Second)
	listen, _ := line["listen"].(string)
	admin, _ := line["admin"].(string)
	if listen == "" || admin == "" {
		t.Fatalf("serve's \"serving\" log line has no listen and admin addresses: %v", line)
	}
	return &kit{emu: emu, sc: sc, listen: listen, admin: admin}
}

// driveTraffic makes the calls whose metrics the dashboard and alerts read:
// successes, a client error, a production-host refusal by the guard and an
// upstream failure (the emulator stopped).
func driveTraffic(t *testing.T, k *kit) {
	t.Helper()
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{Proxy: nil}}
	defer client.CloseIdleConnections()
	base := "http://" + k.listen + "/v2"
	calls := []struct {
		name, method, path, body string
		want                     int
	}{
		{"list cardholders", "GET", "/cardholders", "", 200},
		{"create a cardholder", "POST", "/cardholders", newCardholder, 200},
		{"list cardholders again", "GET", "/cardholders?limit=5", "", 200},
		{"unknown cardholder", "GET", "/cardholders/999999999", "", 404},
	}
	for _, c := range calls {
		got, body := call(t, client, c.method, base+c.path, c.body)
		if got != c.want {
			t.Fatalf("%s through the sidecar: status %d, want %d\n%s\nsidecar log:\n%s", c.name, got, c.want, body, k.sc.out.String())
		}
	}

	// HTTPS_PROXY mode, aimed at production: refused at CONNECT, before
	// anything is dialled.
	viaProxy := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		Proxy: http.ProxyURL(&url.URL{Scheme: "http", Host: k.listen}),
	}}
	defer viaProxy.CloseIdleConnections()
	if resp, err := viaProxy.Get("https://production.api.axyscards.com/v2/cardholders"); err == nil {
		resp.Body.Close()
		t.Fatalf("a call for production through the sidecar got %s, want a refused CONNECT", resp.Status)
	}

	k.emu.Close()
	if got, body := call(t, client, "GET", base+"/cardholders", ""); got != http.StatusBadGateway {
		t.Fatalf("with the upstream down: status %d, want 502\n%s", got, body)
	}
}

// newCardholder is a valid cardholder creation body.
const newCardholder = `{"firstName":"Ada","lastName":"Lovelace","gender":2,"nationality":"British",` +
	`"placeOfBirth":"GBR","dob":"1990-12-10","adrLine1":"12 St James's Square","city":"London",` +
	`"state":"London","country":"GB","zipCode":"SW1Y4JH","callingCode":"44",` +
	`"countryCallingCode":"GB","cellNum":"7700900123","emailAdr":"ada@example.com"}`

func call(t *testing.T, client *http.Client, method, u, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return resp.StatusCode, string(b)
}

// expositionNames returns the sample names on the sidecar's /metrics
// (histograms as their _bucket, _sum and _count series).
func expositionNames(t *testing.T, admin string) map[string]bool {
	t.Helper()
	resp, err := (&http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{Proxy: nil}}).Get("http://" + admin + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %s", resp.Status)
	}
	names := map[string]bool{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, _, _ := strings.Cut(line, "{")
		name, _, _ = strings.Cut(name, " ")
		names[name] = true
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return names
}

// check is one expression the live test runs.
type check struct {
	source string
	expr   string
	// wantSeries: the expression itself must return series; otherwise it
	// must only evaluate, and each of its selectors must return series.
	wantSeries bool
}

// liveChecks gathers the expressions of the dashboard (variables
// substituted as Grafana would), the recording rules and the alerts.
func liveChecks(t *testing.T) []check {
	t.Helper()
	var checks []check
	d := loadDashboard(t)
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		expr, err := labelValuesQuery(v.queryString())
		if err != nil {
			t.Errorf("dashboard variable %s: %v", v.Name, err)
			continue
		}
		checks = append(checks, check{"dashboard variable " + v.Name, expr, true})
	}
	for _, p := range d.allPanels() {
		for _, tg := range p.Targets {
			expr, unknown := substituteGrafanaVars(tg.Expr)
			if len(unknown) > 0 {
				t.Errorf("panel %q target %s: unknown variables %v", p.Title, tg.RefID, unknown)
			}
			checks = append(checks, check{fmt.Sprintf("panel %q target %s", p.Title, tg.RefID), expr, true})
		}
	}
	for _, r := range rules(t) {
		if r.Record != "" {
			checks = append(checks,
				check{"recording rule " + r.Record, r.Expr, true},
				check{"recorded series " + r.Record, r.Record, true})
			continue
		}
		checks = append(checks, check{"alert " + r.Alert, r.Expr, false})
	}
	return checks
}

// labelValuesQuery turns Grafana's label_values(metric{…}, label) into a
// query returning one series per value.
func labelValuesQuery(q string) (string, error) {
	q, unknown := substituteGrafanaVars(q)
	if len(unknown) > 0 {
		return "", fmt.Errorf("unknown variables %v", unknown)
	}
	inner, ok := strings.CutPrefix(strings.TrimSpace(q), "label_values(")
	if !ok || !strings.HasSuffix(inner, ")") {
		return "", fmt.Errorf("query %q: want label_values(metric, label)", q)
	}
	inner = strings.TrimSuffix(inner, ")")
	i := strings.LastIndex(inner, ",")
	if i < 0 {
		return "", fmt.Errorf("query %q: want label_values(metric, label)", q)
	}
	return fmt.Sprintf("count by (%s) (%s)", strings.TrimSpace(inner[i+1:]), strings.TrimSpace(inner[:i])), nil
}

// prometheus is a Prometheus server the test started.
type prometheus struct {
	proc *proc
	url  string
}

// startPrometheus starts Prometheus with the shipped scrape configuration,
// its target replaced by admin and its intervals shortened, and waits until
// it is ready.
func startPrometheus(t *testing.T, bin, admin string) *prometheus {
	t.Helper()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfg, liveConfig(t, admin), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := freeLoopbackAddr(t)
	p := &prometheus{url: "http://" + addr}
	p.proc = startProc(t, bin, []string{
		"--config.file=" + cfg,
		"--storage.tsdb.path=" + filepath.Join(dir, "tsdb"),
		"--web.listen-address=" + addr,
		"--log.level=warn",
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(p.url + "/-/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
		if p.proc.exited() || time.Now().After(deadline) {
			t.Fatalf("prometheus not ready (%v):\n%s", p.proc.err, p.proc.out.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// liveConfig rewrites the shipped prometheus.yml for the test: the one
// static target becomes the sidecar's admin address, scrapes and rule
// evaluations run every second, and rule files are found by absolute path.
func liveConfig(t *testing.T, admin string) []byte {
	t.Helper()
	var cfg map[string]any
	loadYAML(t, "prometheus/prometheus.yml", &cfg)
	global, _ := cfg["global"].(map[string]any)
	if global == nil {
		t.Fatal("prometheus.yml: no global section")
	}
	global["scrape_interval"], global["evaluation_interval"] = "1s", "1s"
	files, _ := cfg["rule_files"].([]any)
	if len(files) == 0 {
		t.Fatal("prometheus.yml: no rule_files")
	}
	for i, f := range files {
		abs, err := filepath.Abs(filepath.Join("prometheus", f.(string)))
		if err != nil {
			t.Fatal(err)
		}
		files[i] = abs
	}
	scrapes, _ := cfg["scrape_configs"].([]any)
	var targets int
	for _, s := range scrapes {
		sc := s.(map[string]any)
		sc["scrape_interval"], sc["scrape_timeout"] = "1s", "1s"
		static, _ := sc["static_configs"].([]any)
		for _, st := range static {
			st.(map[string]any)["targets"] = []string{admin}
			targets++
		}
	}
	if targets != 1 {
		t.Fatalf("prometheus.yml: want one static_configs entry to point at the sidecar, found %d", targets)
	}
	out, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// apiResponse is the envelope of Prometheus' HTTP API.
type apiResponse struct {
	Status string          `json:"status"`
	Error  string          `json:"error"`
	Data   json.RawMessage `json:"data"`
}

func (p *prometheus) get(path string, params url.Values) (json.RawMessage, error) {
	resp, err := http.Get(p.url + path + "?" + params.Encode())
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var r apiResponse
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return nil, fmt.Errorf("decode %s: %w", path, err)
	}
	if r.Status != "success" {
		return nil, fmt.Errorf("%s", r.Error)
	}
	return r.Data, nil
}

// series evaluates expr now and returns how many series it gave.
func (p *prometheus) series(expr string) (int, error) {
	data, err := p.get("/api/v1/query", url.Values{"query": {expr}})
	if err != nil {
		return 0, err
	}
	var d struct {
		ResultType string            `json:"resultType"`
		Result     []json.RawMessage `json:"result"`
	}
	if err := json.Unmarshal(data, &d); err != nil {
		// A scalar or string result is not a list.
		return 1, nil
	}
	return len(d.Result), nil
}

// waitChecks runs every check until all pass or timeout, and returns what
// still fails then. Expressions need a few scrapes and rule evaluations
// before they have data, so failures are only final at the deadline.
func (p *prometheus) waitChecks(t *testing.T, checks []check, timeout time.Duration) []string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		var failures []string
		for _, c := range checks {
			if msg := p.run(c); msg != "" {
				failures = append(failures, msg)
			}
		}
		if len(failures) == 0 || time.Now().After(deadline) {
			sort.Strings(failures)
			return failures
		}
		if p.proc.exited() {
			t.Fatalf("prometheus exited (%v):\n%s", p.proc.err, p.proc.out.String())
		}
		time.Sleep(time.Second)
	}
}

// run runs one check and says what is wrong, or "".
func (p *prometheus) run(c check) string {
	n, err := p.series(c.expr)
	switch {
	case err != nil:
		return fmt.Sprintf("%s: %s: %v", c.source, c.expr, err)
	case c.wantSeries && n == 0:
		return fmt.Sprintf("%s: no series: %s", c.source, c.expr)
	case c.wantSeries:
		return ""
	}
	for _, s := range selectors(c.expr) {
		n, err := p.series(s.String())
		if err != nil || n == 0 {
			return fmt.Sprintf("%s: selector %s has no series (%v)", c.source, s, err)
		}
	}
	return ""
}

// checkRuleHealth fails for any rule Prometheus could not evaluate.
func (p *prometheus) checkRuleHealth(t *testing.T) {
	t.Helper()
	data, err := p.get("/api/v1/rules", nil)
	if err != nil {
		t.Fatalf("rules: %v", err)
	}
	var d struct {
		Groups []struct {
			Name  string `json:"name"`
			Rules []struct {
				Name      string `json:"name"`
				Health    string `json:"health"`
				LastError string `json:"lastError"`
			} `json:"rules"`
		} `json:"groups"`
	}
	if err := json.Unmarshal(data, &d); err != nil {
		t.Fatal(err)
	}
	var n int
	for _, g := range d.Groups {
		for _, r := range g.Rules {
			n++
			if r.Health != "ok" {
				t.Errorf("rule %s/%s: health %q: %s", g.Name, r.Name, r.Health, r.LastError)
			}
		}
	}
	if n == 0 {
		t.Error("prometheus loaded no rules from the shipped rule files")
	}
}
