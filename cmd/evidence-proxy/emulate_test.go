package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestEmulate runs the subcommand as a user would: it writes the
// credentials, prints the base URL, answers curl-like calls made with the
// written files, reuses the files on a second run, and stops with ctx.
func TestEmulate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "x")
	for run, want := range []string{"created", "reused"} {
		ctx, cancel := context.WithCancel(context.Background())
		out, w := io.Pipe()
		done := make(chan error, 1)
		go func() {
			done <- runEmulate(ctx, []string{"--listen", "127.0.0.1:0", "--certs-dir", dir, "--seed", "5", "--log-level", "warn"}, w, io.Discard)
			w.Close()
		}()
		banner := readBanner(t, out)
		go io.Copy(io.Discard, out)
		if !strings.Contains(banner, "credentials "+want) || !strings.Contains(banner, "curl --cacert") {
			t.Fatalf("run %d banner:\n%s", run, banner)
		}
		url := regexp.MustCompile(`https://127\.0\.0\.1:\d+/v2`).FindString(banner)
		status, body := callWithFiles(t, dir, url+"/cardholders")
		if status != 200 || !strings.HasPrefix(body, `{"status":"success","items":[],"total":0,`) {
			t.Fatalf("run %d: GET /cardholders = %d %s", run, status, body)
		}
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("run %d: emulate returned %v", run, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("emulate did not stop when ctx ended")
		}
	}
}

func readBanner(t *testing.T, r io.Reader) string {
	t.Helper()
	var b strings.Builder
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		b.WriteString(sc.Text() + "\n")
		if strings.HasPrefix(sc.Text(), "stop with") {
			return b.String()
		}
	}
	t.Fatalf("no banner: %q (%v)", b.String(), sc.Err())
	return ""
}

func callWithFiles(t *testing.T, dir, url string) (int, string) {
	t.Helper()
	pair, err := tls.LoadX509KeyPair(filepath.Join(dir, "client-cert.pem"), filepath.Join(dir, "client-key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	caPEM, err := os.ReadFile(filepath.Join(dir, "ca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	key, err := os.ReadFile(filepath.Join(dir, "api-key.txt"))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{pair}}}}
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("X-API-Key", strings.TrimSpace(string(key)))
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestEmulateFlagErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"bad profile", []string{"--profile", "prod"}, "neither staging nor production"},
		{"zero time scale", []string{"--time-scale", "0"}, "--time-scale"},
		{"error rate above 1", []string{"--error-rate", "2"}, "error rate"},
		{"bad log level", []string{"--log-level", "loud"}, "--log-level"},
		{"unknown flag", []string{"--nope"}, "nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"--certs-dir", t.TempDir()}, tt.args...)
			err := runEmulate(context.Background(), args, io.Discard, io.Discard)
			if err == nil || exitCode(err) != 2 || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v (exit %d), want a usage error containing %q", err, exitCode(err), tt.want)
			}
		})
	}
}
