package golive_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/evidence-proxy/evidence-proxy/coverage"
	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/evidence-proxy/evidence-proxy/internal/axysemu"
	"github.com/evidence-proxy/evidence-proxy/proxy"
	"github.com/evidence-proxy/evidence-proxy/recorder"
)

// needTool returns the path of an outside tool. When it is missing the test
// fails under CI=true and is skipped otherwise.
func needTool(t *testing.T, name, pkg string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	msg := name + " not found in PATH (install the Debian package " + pkg + ", as scripts/test-deps.sh does)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// vclock is a virtual clock that the emulator, the sidecar and a script
// share: the script's sleep and date are test doubles on PATH that advance
// and read it, so hours of polling take the time of the calls alone. Its
// time is the wall clock plus the seconds slept.
type vclock struct {
	file string
	bin  string
}

func newVClock(t *testing.T) *vclock {
	t.Helper()
	realSleep, realDate := needTool(t, "sleep", "coreutils"), needTool(t, "date", "coreutils")
	dir := t.TempDir()
	c := &vclock{file: filepath.Join(dir, "offset"), bin: filepath.Join(dir, "bin")}
	if err := os.WriteFile(c.file, []byte("0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(c.bin, 0o755); err != nil {
		t.Fatal(err)
	}
	sleep := "#!/bin/sh\n# test double: advances the virtual clock instead of sleeping\n" +
		"case ${1:-} in '' | *[!0-9]*) exec " + realSleep + " \"$@\" ;; esac\n" +
		"o=$(cat '" + c.file + "')\necho $((o + $1)) >'" + c.file + ".tmp' && mv '" + c.file + ".tmp' '" + c.file + "'\n"
	date := "#!/bin/sh\n# test double: the virtual clock for date +%s\n" +
		"case \"$*\" in '+%s' | '-u +%s') echo $(($(" + realDate + " -u +%s) + $(cat '" + c.file + "'))) ;; *) exec " + realDate + " \"$@\" ;; esac\n"
	for name, body := range map[string]string{"sleep": sleep, "date": date} {
		if err := os.WriteFile(filepath.Join(c.bin, name), []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// offset is how far the clock is ahead of the wall clock.
func (c *vclock) offset() time.Duration {
	data, err := os.ReadFile(c.file)
	if err != nil {
		return 0
	}
	n, _ := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64)
	return time.Duration(n) * time.Second
}

// Now is the virtual time.
func (c *vclock) Now() time.Time { return time.Now().Add(c.offset()) }

// sidecarOptions configure a test sidecar and its emulator.
type sidecarOptions struct {
	// clock is the emulator's and the sidecar's; nil means the wall clock.
	clock *vclock
	// timeScale is the emulator's; zero means 1.
	timeScale float64
	seed      int64
	profile   axysemu.Profile
	// appKey: the script sends the API key; otherwise the sidecar adds it.
	appKey bool
}

// sidecar is the real sidecar, a proxy.Proxy recording into a
// recorder.Store in t.TempDir(), in front of an in-process emulator.
type sidecar struct {
	URL   string
	emu   *axysemu.Server
	store *recorder.Store
	key   string
	now   func() time.Time
}

func startSidecar(t *testing.T, o sidecarOptions) *sidecar {
	t.Helper()
	now := time.Now
	if o.clock != nil {
		now = o.clock.Now
	}
	emu, err := axysemu.Start(context.Background(), axysemu.StartOptions{Options: axysemu.Options{
		Seed: o.seed, TimeScale: o.timeScale, Profile: o.profile, Now: now,
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emu.Close() })
	dir := t.TempDir()
	certFile, keyFile, caFile := filepath.Join(dir, "client.pem"), filepath.Join(dir, "client-key.pem"), filepath.Join(dir, "ca.pem")
	if err := emu.ClientCert.WriteFiles(certFile, keyFile); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(caFile, emu.CA.CertPEM(), 0o644); err != nil {
		t.Fatal(err)
	}
	tr, err := proxy.NewTransport(proxy.TransportOptions{ClientCertFile: certFile, ClientKeyFile: keyFile, UpstreamCAFile: caFile})
	if err != nil {
		t.Fatal(err)
	}
	store, err := recorder.Open(filepath.Join(dir, "evidence.db"), recorder.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	upstream, err := url.Parse(emu.URL)
	if err != nil {
		t.Fatal(err)
	}
	sc := &sidecar{emu: emu, store: store, key: emu.APIKey, now: now}
	popts := proxy.Options{Upstream: upstream, Transport: tr, Recorder: store, Now: now}
	if !o.appKey {
		popts.APIKey = emu.APIKey
	}
	px, err := proxy.New(popts)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sc.URL = "http://" + ln.Addr().String()
	done := make(chan error, 1)
	go func() { done <- px.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := px.Shutdown(ctx); err != nil {
			t.Errorf("shut the proxy down: %v", err)
		}
		if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("serve: %v", err)
		}
		if err := store.Close(ctx); err != nil {
			t.Errorf("close the store: %v", err)
		}
	})
	return sc
}

// records returns every record the sidecar stored.
func (sc *sidecar) records(t *testing.T) []*evidence.Record {
	t.Helper()
	var out []*evidence.Record
	if err := sc.store.Iterate(context.Background(), 1, func(r *evidence.Record) error {
		out = append(out, r)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// report is the coverage of what the sidecar stored.
func (sc *sidecar) report(t *testing.T, m *coverage.Matrix) *coverage.Report {
	t.Helper()
	e := coverage.NewEngine(m)
	for _, r := range sc.records(t) {
		e.Observe(r)
	}
	return e.Report()
}

// scriptRun is the outcome of one script.
type scriptRun struct {
	code           int
	stdout, stderr string
}

// run runs a script with sh. env adds to a clean environment (PATH, with
// the clock's test doubles first when there is a clock; no proxies).
func run(t *testing.T, clock *vclock, script string, env ...string) scriptRun {
	t.Helper()
	path := os.Getenv("PATH")
	if clock != nil {
		path = clock.bin + string(os.PathListSeparator) + path
	}
	cmd := exec.Command(needTool(t, "sh", "dash"), script)
	cmd.Env = append([]string{"PATH=" + path, "HOME=" + t.TempDir(), "LC_ALL=C", "TMPDIR=" + t.TempDir()}, env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := scriptRun{stdout: stdout.String(), stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		res.code = exit.ExitCode()
	case err != nil:
		t.Fatalf("run %s: %v", script, err)
	}
	return res
}

// env is the environment a script runs with against sc.
func (sc *sidecar) env(appKey bool) []string {
	key := ""
	if appKey {
		key = sc.key
	}
	return []string{"EVIDENCE_PROXY_URL=" + sc.URL, "AXYS_API_KEY=" + key}
}

// statusOf returns a requirement's result in a report.
func statusOf(t *testing.T, r *coverage.Report, id string) coverage.RequirementResult {
	t.Helper()
	for _, q := range r.Requirements {
		if q.ID == id {
			return q
		}
	}
	t.Fatalf("requirement %s not in the report", id)
	return coverage.RequirementResult{}
}

// violated lists the violated requirements of a report with why.
func violated(r *coverage.Report) []string {
	var out []string
	for _, q := range r.Requirements {
		if q.Status == coverage.StatusViolated {
			out = append(out, q.ID+": "+q.Explanation)
		}
	}
	return out
}
