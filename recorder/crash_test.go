package recorder

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

const crashChildEnv = "EVIDENCE_RECORDER_CRASH_CHILD"

// TestCrashChild is the child process of TestCrashKeepsAcknowledgedRecords:
// it records from 16 goroutines until killed, printing each sequence number
// once Record has returned (the moment the proxy would answer the app).
func TestCrashChild(t *testing.T) {
	path := os.Getenv(crashChildEnv)
	if path == "" {
		t.Skip("helper process for TestCrashKeepsAcknowledgedRecords")
	}
	s, err := Open(path, Options{Redactor: newTestRedactor(t, RedactOptions{})})
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(2)
	}
	var mu sync.Mutex
	out := bufio.NewWriter(os.Stdout)
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Go(func() {
			for i := 0; ; i++ {
				rec := sampleRecord(g*1_000_000+i, time.Now(), 500)
				if err := s.Record(context.Background(), rec); err != nil {
					fmt.Println("record:", err)
					os.Exit(3)
				}
				mu.Lock()
				fmt.Fprintln(out, rec.Seq)
				_ = out.Flush()
				mu.Unlock()
			}
		})
	}
	wg.Wait()
}

// TestCrashKeepsAcknowledgedRecords kills a recording process with SIGKILL
// at random moments, several times: after each restart every record whose
// Record call returned is in the store, sequence numbers have no gaps and
// the chain verifies.
func TestCrashKeepsAcknowledgedRecords(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	path := filepath.Join(t.TempDir(), "evidence.db")
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	var lastHead uint64
	for round := range 4 {
		acked := runAndKill(t, path, time.Duration(100+rng.IntN(300))*time.Millisecond)
		ro, err := OpenReadOnly(path)
		if err != nil {
			t.Fatalf("round %d: reopen after SIGKILL: %v", round, err)
		}
		head, _ := ro.Head()
		if acked > head {
			t.Errorf("round %d: record %d was acknowledged but the store ends at %d", round, acked, head)
		}
		if head <= lastHead {
			t.Errorf("round %d: head %d did not move past %d", round, head, lastHead)
		}
		lastHead = head
		if err := ro.VerifyChain(context.Background()); err != nil {
			t.Errorf("round %d: VerifyChain: %v", round, err)
		}
		var n uint64
		_ = ro.Iterate(context.Background(), 1, func(r *evidence.Record) error {
			n++
			return nil
		})
		if n != head {
			t.Errorf("round %d: %d records for head %d", round, n, head)
		}
		_ = ro.Close(context.Background())
		t.Logf("round %d: killed with %d acknowledged, store head %d", round, acked, head)
	}
}

// runAndKill runs the child for about d, kills it with SIGKILL, and
// returns the highest sequence number it acknowledged.
func runAndKill(t *testing.T, path string, d time.Duration) uint64 {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+path)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var acked uint64
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if seq, err := strconv.ParseUint(sc.Text(), 10, 64); err == nil {
				acked = max(acked, seq)
			} else if len(sc.Text()) > 0 && sc.Text()[0] != '=' && sc.Text() != "PASS" {
				t.Logf("child: %s", sc.Text())
			}
		}
	}()
	time.Sleep(d)
	_ = cmd.Process.Kill()
	<-done
	_ = cmd.Wait()
	return acked
}
