package events

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/evidence-proxy/evidence-proxy/recorder"
)

// crashHelperEnv names the store path of the helper process.
const crashHelperEnv = "EVENTS_CRASH_HELPER_STORE"

// TestCrashHelper is the process TestCrashLosesNoAcknowledgedEvent kills:
// a receiver on a sync store, its address printed on stdout. It does
// nothing in a normal test run.
func TestCrashHelper(t *testing.T) {
	path := os.Getenv(crashHelperEnv)
	if path == "" {
		t.Skip("helper process for TestCrashLosesNoAcknowledgedEvent")
	}
	store, err := recorder.Open(path, recorder.Options{Durability: recorder.Sync})
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(1)
	}
	r, err := New(store, Options{})
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(1)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(1)
	}
	fmt.Println("LISTEN", ln.Addr())
	r.Serve(ln) // until killed
}

// TestCrashLosesNoAcknowledgedEvent kills a receiver with SIGKILL while
// events flow in sync durability, twice, and checks after each kill that
// every event whose request was answered 200 is in the store.
func TestCrashLosesNoAcknowledgedEvent(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills a process; skipped in -short")
	}
	path := filepath.Join(t.TempDir(), "evidence.db")
	acked := map[string]bool{}
	var mu sync.Mutex
	for round := range 2 {
		cmd, addr := startHelper(t, path)
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Go(func() {
				for i := 0; ctx.Err() == nil; i++ {
					ids := sendTagged(ctx, addr, fmt.Sprintf("r%d-w%d-%d", round, w, i), w%2 == 0)
					mu.Lock()
					for _, id := range ids {
						acked[id] = true
					}
					mu.Unlock()
				}
			})
		}
		time.Sleep(400 * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		cancel()
		wg.Wait()
		checkAcked(t, path, acked)
	}
	if len(acked) < 20 {
		t.Fatalf("only %d events acknowledged: the load did not run", len(acked))
	}
}

func startHelper(t *testing.T, path string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashHelper$")
	cmd.Env = append(os.Environ(), crashHelperEnv+"="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if !strings.HasPrefix(line, "LISTEN ") {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("helper said %q (%v)", line, err)
	}
	return cmd, strings.TrimSpace(strings.TrimPrefix(line, "LISTEN "))
}

// sendTagged posts ten events tagged with ids, by OTLP or /events, and
// returns the ids when the answer was 200.
func sendTagged(ctx context.Context, addr, tag string, otlp bool) []string {
	ids := make([]string, 10)
	for i := range ids {
		ids[i] = fmt.Sprintf("%s-%d", tag, i)
	}
	var body []byte
	url, ct := "http://"+addr+PathEvents, "application/json"
	if otlp {
		lrs := batchRequest(0, 0, "")
		for _, id := range ids {
			lrs.ResourceLogs[0].ScopeLogs[0].LogRecords = append(lrs.ResourceLogs[0].ScopeLogs[0].LogRecords, named("crash.test", kv("id", str(id))))
		}
		body, _ = protoMarshal(lrs)
		url, ct = "http://"+addr+PathOTLPLogs, "application/x-protobuf"
	} else {
		entries := make([]Entry, len(ids))
		for i, id := range ids {
			entries[i] = Entry{Name: "crash.test", Attributes: map[string]any{"id": id}}
		}
		body, _ = json.Marshal(entries)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil
	}
	req.Header.Set("Content-Type", ct)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil
	}
	return ids
}

// checkAcked opens the killed process's store and looks for every
// acknowledged id.
func checkAcked(t *testing.T, path string, acked map[string]bool) {
	t.Helper()
	store, err := recorder.Open(path, recorder.Options{})
	if err != nil {
		t.Fatalf("reopen after kill: %v", err)
	}
	defer store.Close(context.Background())
	if err := store.VerifyChain(context.Background()); err != nil {
		t.Fatalf("chain after kill: %v", err)
	}
	found := map[string]bool{}
	for _, r := range storedEvents(t, store) {
		var a struct{ ID string }
		if r.Event.Name == "crash.test" && json.Unmarshal(r.Event.Attributes, &a) == nil {
			found[a.ID] = true
		}
	}
	missing := 0
	for id := range acked {
		if !found[id] {
			missing++
		}
	}
	if missing > 0 {
		t.Fatalf("%d of %d acknowledged events missing after SIGKILL", missing, len(acked))
	}
	t.Logf("%d acknowledged events, all in the store (%d stored)", len(acked), len(found))
}
