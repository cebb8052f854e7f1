package main

import (
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// waitLog waits until the sidecar has logged want.
func (s *runningServe) waitLog(t *testing.T, want string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if strings.Contains(s.log(), want) {
			return
		}
	}
	t.Fatalf("the sidecar did not log %q:\n%s", want, s.log())
}

// TestServeReadinessFollowsTheUpstream: an upstream that does not answer
// at start is logged without stopping the start; /readyz stays ready
// through fewer failures than the threshold (no flapping), says "not
// ready: upstream" once calls keep failing, and turns ready again on its
// own when the upstream comes up, with no app traffic (the re-probe).
func TestServeReadinessFollowsTheUpstream(t *testing.T) {
	u := newMTLSUpstream(t)
	// A listener that accepts nothing yet: connections wait in its
	// backlog, so probes and calls time out, until it serves.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	upstream := "https://" + ln.Addr().String() + "/v2"
	s := startServe(t, append(u.certs.sidecarArgs(upstream, t.TempDir()), "--dial-timeout", "150ms", "--upstream-probe-interval", "100ms"))
	defer s.stop(t)
	s.waitLog(t, `"msg":"upstream probe failed; serving anyway`)

	readyz := func() (int, string) { return get(t, "http://"+s.admin+"/readyz") }
	call := func() {
		t.Helper()
		if status, body := get(t, "http://"+s.proxy+"/v2/cardholders"); status < 500 {
			t.Fatalf("call with the upstream not answering: %d %s", status, body)
		}
	}
	call() // the probe and this call: two failures, below the threshold of three
	if status, body := readyz(); status != http.StatusOK {
		t.Fatalf("/readyz after two failures: %d %q, want still ready", status, body)
	}
	call()
	status, body := readyz()
	if status != http.StatusServiceUnavailable || !strings.Contains(body, "not ready: upstream: ") || !strings.Contains(body, "store ok") {
		t.Fatalf("/readyz after three failures: %d %q, want 503 naming the upstream", status, body)
	}

	u.serve(t, ln)
	waitForTest(t, func() bool { status, _ := readyz(); return status == http.StatusOK })
	s.waitLog(t, `"msg":"upstream healthy again"`)
}

// TestServeStartProbe: the start logs the upstream's certificate; an
// upstream whose certificate the sidecar cannot verify is logged with the
// diagnosis, the sidecar still starts, and /readyz says why it is not
// ready at once (a TLS failure is not retried into health).
func TestServeStartProbe(t *testing.T) {
	upstream, certs := startMTLSUpstream(t)
	s := startServe(t, certs.sidecarArgs(upstream, t.TempDir()))
	s.waitLog(t, `"msg":"upstream probe ok","probe":{"addr":"127.0.0.1:`)
	s.waitLog(t, `"server_subject":"CN=127.0.0.1,O=evidence-proxy"`)
	if status, body := get(t, "http://"+s.admin+"/readyz"); status != http.StatusOK {
		t.Errorf("/readyz with a good upstream: %d %q", status, body)
	}
	s.stop(t)

	other := newMTLSUpstream(t) // trusts another CA than the upstream's
	args := certs.sidecarArgs(upstream, t.TempDir())
	for i, a := range args {
		if a == filepath.Join(certs.dir, "ca.pem") {
			args[i] = filepath.Join(other.certs.dir, "ca.pem")
		}
	}
	s = startServe(t, args)
	defer s.stop(t)
	s.waitLog(t, `"msg":"upstream probe failed; serving anyway`)
	if !strings.Contains(s.log(), `"diagnosis":"TLS failed`) {
		t.Errorf("the failed probe has no diagnosis:\n%s", s.log())
	}
	status, body := get(t, "http://"+s.admin+"/readyz")
	if status != http.StatusServiceUnavailable || !strings.Contains(body, "upstream: ") {
		t.Errorf("/readyz with an untrusted upstream: %d %q, want 503 naming the upstream", status, body)
	}
}
