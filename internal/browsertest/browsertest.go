// Package browsertest runs Debian's headless Chromium for the tests that
// check pages as a person sees them (the HTML report, the admin listener's
// live pages).
//
// Chromium is a tree of processes: the browser forks zygotes, renderers
// and a network service, and they keep writing to the profile for a moment
// after the browser itself has exited or been killed. Each run therefore
// gets its own process group and its own profile directory; when the run
// ends, the whole group is killed and the profile is removed only once
// nothing is left to write to it, so a test never fails on its own
// clean-up.
package browsertest

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// flags keep Chromium quiet on a closed network: no first-run pages, no
// background fetches, no component or field-trial downloads.
var flags = []string{
	"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
	"--disable-background-networking", "--disable-component-update", "--disable-sync",
	"--disable-extensions", "--disable-default-apps", "--disable-domain-reliability", "--no-pings",
	"--disable-client-side-phishing-detection",
	"--disable-features=OptimizationHints,MediaRouter,Translate,NetworkTimeServiceQuerying",
	"--hide-scrollbars",
}

// Path returns the Chromium binary. A missing browser fails the test in
// CI (CI=true) and skips it elsewhere, with the reason.
func Path(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium not installed: pages must be checked in a browser in CI (apt-get install chromium)")
	}
	t.Skip("chromium not installed: apt-get install chromium to run the browser tests")
	return ""
}

// Run runs Chromium with a fresh profile and args until it exits (at most
// a minute) and returns its standard output. A failed run fails the test
// with Chromium's standard error.
func Run(t testing.TB, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	b := start(ctx, t, args)
	err := b.cmd.Wait()
	b.stop()
	if err != nil {
		t.Fatalf("run chromium %v: %v\n%s", args, err, b.stderr.String())
	}
	return b.stdout.Bytes()
}

// Start starts Chromium with a fresh profile and args and leaves it
// running until the test ends; the test's clean-up stops it.
func Start(t testing.TB, args ...string) {
	t.Helper()
	t.Cleanup(start(context.Background(), t, args).end)
}

// browser is one Chromium process group and the profile it writes to.
type browser struct {
	t              testing.TB
	cmd            *exec.Cmd
	profile        string
	stdout, stderr bytes.Buffer
}

// start launches Chromium in a process group of its own; the group is
// killed when ctx ends. The profile's removal is registered before
// anything else, so it runs after every other clean-up of the run.
func start(ctx context.Context, t testing.TB, args []string) *browser {
	t.Helper()
	bin := Path(t)
	profile, err := os.MkdirTemp("", "browsertest-")
	if err != nil {
		t.Fatalf("chromium profile: %v", err)
	}
	b := &browser{t: t, profile: profile}
	t.Cleanup(b.removeProfile)
	b.cmd = exec.CommandContext(ctx, bin, append(append(append([]string{}, flags...), "--user-data-dir="+profile), args...)...)
	b.cmd.Stdout, b.cmd.Stderr = &b.stdout, &b.stderr
	b.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	b.cmd.Cancel = b.killGroup
	if err := b.cmd.Start(); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return b
}

// killGroup kills every process of the group (the browser's pid is the
// group's id). A group already gone is not an error.
func (b *browser) killGroup() error {
	err := syscall.Kill(-b.cmd.Process.Pid, syscall.SIGKILL)
	if errors.Is(err, syscall.ESRCH) {
		return nil
	}
	return err
}

// stop kills what is left of the group once the run is over.
func (b *browser) stop() {
	if err := b.killGroup(); err != nil {
		b.t.Logf("kill chromium's process group: %v", err)
	}
}

// end stops a browser left running and waits for it.
func (b *browser) end() {
	b.stop()
	_ = b.cmd.Wait()
}

// removeProfile removes the profile, trying again while a killed process
// may still be finishing a write (a killed process writes nothing more,
// so this ends quickly). A profile that cannot be removed in 10 s is
// reported as an error: something is still running.
func (b *browser) removeProfile() {
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := os.RemoveAll(b.profile)
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			b.t.Errorf("remove chromium's profile: %v", err)
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}
