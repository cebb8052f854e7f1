package browsertest

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestStartLeavesNothingBehind leaves a browser running until its test
// ends, the case that once failed a clean-up: afterwards no process of its
// group is left and its profile is gone.
func TestStartLeavesNothingBehind(t *testing.T) {
	var pid int
	var profile string
	t.Run("browser", func(t *testing.T) {
		b := start(context.Background(), t, []string{"about:blank"})
		t.Cleanup(b.end) // as Start does
		pid, profile = b.cmd.Process.Pid, b.profile
		waitFor(t, "the profile's Default directory", func() bool {
			_, err := os.Stat(filepath.Join(profile, "Default"))
			return err == nil
		})
	})
	if _, err := os.Stat(profile); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("profile %s still there after the test: %v", profile, err)
	}
	waitFor(t, "chromium's process group to end", func() bool {
		return errors.Is(syscall.Kill(-pid, 0), syscall.ESRCH)
	})
}

// TestRunReturnsOutput runs a browser to its end and gets the page it
// dumped.
func TestRunReturnsOutput(t *testing.T) {
	dom := string(Run(t, "--dump-dom", "data:text/html,<p id=probe>seen</p>"))
	if !strings.Contains(dom, `<p id="probe">seen</p>`) {
		t.Errorf("dumped DOM lacks the page:\n%s", dom)
	}
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !ok(); {
		if time.Now().After(deadline) {
			t.Fatalf("waited 20 s for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
