package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/evidence-proxy/evidence-proxy/internal/pki"
	"github.com/evidence-proxy/evidence-proxy/recorder"
)

// TestCrashLosesNoAnsweredCall kills a sidecar serving under load with
// SIGKILL at random moments, several times. After each restart, and at the
// end, every call whose response a client received must have its record,
// sequence numbers must have no gaps and the hash chain must verify.
//
// Each kill comes only once the round has answered minAnsweredPerRound
// calls (then after a random extra delay), not at a fixed time: on a
// loaded machine a fixed time could kill a sidecar that had not answered
// anything yet, and the test would prove nothing (it once fell below its
// threshold that way).
func TestCrashLosesNoAnsweredCall(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test starts and kills real processes; skipped in -short")
	}
	upstream, certs := startMTLSUpstream(t)
	dataDir := t.TempDir()
	rng := rand.New(rand.NewPCG(7, 11))
	var answered sync.Map // request id → true, for responses the client got
	var seen atomic.Int64

	const kills = 4
	for round := 0; round <= kills; round++ {
		proc, addr := startChild(t, upstream, certs, dataDir)
		ctx, cancel := context.WithCancel(context.Background())
		var inRound atomic.Int64
		var wg sync.WaitGroup
		for w := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				loadLoop(ctx, addr, fmt.Sprintf("r%d-w%d", round, w), &answered, &seen, &inRound)
			}()
		}
		got := waitAnswered(&inRound, minAnsweredPerRound, time.Minute)
		time.Sleep(time.Duration(rng.IntN(300)) * time.Millisecond)
		if round < kills {
			proc.kill()
		} else {
			proc.stop(t)
		}
		cancel()
		wg.Wait()
		if got < minAnsweredPerRound {
			t.Fatalf("round %d: only %d calls answered within a minute: the load never got going", round, got)
		}
	}

	store, err := recorder.OpenReadOnly(filepath.Join(dataDir, storeFile))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close(context.Background())
	if err := store.VerifyChain(context.Background()); err != nil {
		t.Fatalf("chain after %d kills: %v", kills, err)
	}
	recorded := map[string]bool{}
	if err := store.Iterate(context.Background(), 1, func(r *evidence.Record) error {
		recorded[r.Request.Header.Get("X-Request-Id")] = true
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	missing := 0
	answered.Range(func(k, _ any) bool {
		if !recorded[k.(string)] {
			missing++
			if missing < 5 {
				t.Errorf("call %s was answered but has no record", k)
			}
		}
		return true
	})
	if missing > 0 {
		t.Fatalf("%d of %d answered calls have no record", missing, seen.Load())
	}
	t.Logf("%d answered calls over %d kills, all recorded; %d records", seen.Load(), kills, len(recorded))
}

// minAnsweredPerRound is how many calls a round's sidecar must have
// answered before it is killed.
const minAnsweredPerRound = 20

// waitAnswered waits until n reaches want or timeout passes, and returns
// n then.
func waitAnswered(n *atomic.Int64, want int64, timeout time.Duration) int64 {
	for deadline := time.Now().Add(timeout); n.Load() < want && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	return n.Load()
}

// loadLoop sends calls with unique ids until ctx ends, noting each one
// whose full response arrived and counting it in every counter.
func loadLoop(ctx context.Context, addr, prefix string, answered *sync.Map, counters ...*atomic.Int64) {
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{Proxy: nil}}
	for i := 0; ctx.Err() == nil; i++ {
		id := fmt.Sprintf("%s-%d", prefix, i)
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+addr+"/v2/cardholders", strings.NewReader(`{"firstName":"Ada"}`))
		req.Header.Set("X-Request-Id", id)
		resp, err := client.Do(req)
		if err != nil {
			time.Sleep(10 * time.Millisecond)
			continue
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err == nil && resp.StatusCode == http.StatusOK && strings.Contains(string(body), id) {
			answered.Store(id, true)
			for _, n := range counters {
				n.Add(1)
			}
		}
	}
}

type upstreamCerts struct{ dir string }

// startMTLSUpstream serves an echo API that requires a client certificate,
// and writes the files a sidecar needs to reach it.
func startMTLSUpstream(t *testing.T) (string, upstreamCerts) {
	t.Helper()
	u := newMTLSUpstream(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return u.serve(t, ln), u.certs
}

// mtlsUpstream is the echo API's PKI: its CA, its server certificate (for
// 127.0.0.1) and the client certificate files a sidecar presents.
type mtlsUpstream struct {
	ca     *pki.Cert
	server *pki.Cert
	certs  upstreamCerts
}

func newMTLSUpstream(t *testing.T) *mtlsUpstream {
	t.Helper()
	ca, err := pki.NewCA(pki.CAOptions{CommonName: "crash test CA"})
	if err != nil {
		t.Fatal(err)
	}
	server, err := ca.Issue(pki.LeafOptions{CommonName: "127.0.0.1", IPs: []net.IP{net.IPv4(127, 0, 0, 1)}})
	if err != nil {
		t.Fatal(err)
	}
	client, err := ca.Issue(pki.LeafOptions{CommonName: "app", Client: true})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := client.WriteFiles(filepath.Join(dir, "client.pem"), filepath.Join(dir, "client.key")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ca.pem"), ca.CertPEM(), 0o644); err != nil {
		t.Fatal(err)
	}
	return &mtlsUpstream{ca: ca, server: server, certs: upstreamCerts{dir: dir}}
}

// serve starts the echo API on ln (closed at the test's end) and returns
// its base URL.
func (u *mtlsUpstream) serve(t *testing.T, ln net.Listener) string {
	t.Helper()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"status":"success","cardholderId":1,"echo":%q}`, r.Header.Get("X-Request-Id"))
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes are what some tests make
	srv.Listener.Close()
	srv.Listener = ln
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{u.server.TLS()}, ClientCAs: u.ca.Pool(), ClientAuth: tls.RequireAndVerifyClientCert}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv.URL + "/v2"
}

// sidecarArgs are serve's flags for a sidecar in front of the echo API at
// upstream.
func (c upstreamCerts) sidecarArgs(upstream, dataDir string) []string {
	return []string{"serve", "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0", "--otlp-listen", "127.0.0.1:0",
		"--upstream", upstream, "--data-dir", dataDir,
		"--client-cert", filepath.Join(c.dir, "client.pem"), "--client-key", filepath.Join(c.dir, "client.key"),
		"--upstream-ca", filepath.Join(c.dir, "ca.pem")}
}

// childProc is a sidecar running in a child process.
type childProc struct{ cmd *exec.Cmd }

// startChild runs "serve" in a child process and returns its proxy address.
func startChild(t *testing.T, upstream string, certs upstreamCerts, dataDir string) (*childProc, string) {
	t.Helper()
	args := certs.sidecarArgs(upstream, dataDir)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+strings.Join(args, "\x1f"))
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if a := listenAddr(sc.Text()); a != "" {
				select {
				case addr <- a:
				default:
				}
			}
		}
	}()
	select {
	case a := <-addr:
		return &childProc{cmd: cmd}, a
	case <-time.After(15 * time.Second):
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatal("sidecar child did not start serving")
		return nil, ""
	}
}

// listenAddr extracts the proxy address from the "serving" log line.
func listenAddr(line string) string {
	const key = `"listen":"`
	if !strings.Contains(line, `"msg":"serving"`) {
		return ""
	}
	i := strings.Index(line, key)
	if i < 0 {
		return ""
	}
	rest := line[i+len(key):]
	return rest[:strings.IndexByte(rest, '"')]
}

func (c *childProc) kill() {
	c.cmd.Process.Kill()
	c.cmd.Wait()
}

// stop asks the sidecar to shut down gracefully and waits for it.
func (c *childProc) stop(t *testing.T) {
	t.Helper()
	c.cmd.Process.Signal(os.Interrupt)
	done := make(chan error, 1)
	go func() { done <- c.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("sidecar exit after SIGINT: %v", err)
		}
	case <-time.After(20 * time.Second):
		c.cmd.Process.Kill()
		t.Error("sidecar did not stop within 20s of SIGINT")
	}
}
