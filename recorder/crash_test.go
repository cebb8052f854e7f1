package recorder

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
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
		acked := slices.Max(append(runAndKill(t, "TestCrashChild", crashChildEnv, path,
			time.Duration(100+rng.IntN(300))*time.Millisecond), 0))
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

// runAndKill runs the child test name with env set to path, kills it with
// SIGKILL about d after it acknowledged its first record, and returns the
// numbers it printed.
func runAndKill(t *testing.T, name, env, path string, d time.Duration) []uint64 {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+name+"$", "-test.count=1")
	cmd.Env = append(os.Environ(), env+"="+path)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var printed []uint64
	done, started := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if n, err := strconv.ParseUint(sc.Text(), 10, 64); err == nil {
				if printed = append(printed, n); len(printed) == 1 {
					close(started)
				}
			} else if len(sc.Text()) > 0 && sc.Text()[0] != '=' && sc.Text() != "PASS" {
				t.Logf("child: %s", sc.Text())
			}
		}
	}()
	// Kill d after the first acknowledged record: a slow start (a loaded
	// machine, the race detector) must not make a round record nothing.
	select {
	case <-started:
	case <-done:
	case <-time.After(30 * time.Second):
	}
	time.Sleep(d)
	_ = cmd.Process.Kill()
	<-done
	_ = cmd.Wait()
	return printed
}

const asyncCrashChildEnv = "EVIDENCE_RECORDER_ASYNC_CRASH_CHILD"

// TestAsyncCrashChild is the child process of TestAsyncCrashWritesGapRecord:
// it records in async durability from 8 goroutines until killed, printing
// each record's number once Record has returned nil (the moment an async
// proxy answers the app).
func TestAsyncCrashChild(t *testing.T) {
	path := os.Getenv(asyncCrashChildEnv)
	if path == "" {
		t.Skip("helper process for TestAsyncCrashWritesGapRecord")
	}
	s, err := Open(path, Options{Durability: Async, Redactor: newTestRedactor(t, RedactOptions{})})
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(2)
	}
	var mu sync.Mutex
	out := bufio.NewWriter(os.Stdout)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := 0; ; i++ {
				n := g*1_000_000 + i
				if err := s.Record(context.Background(), sampleRecord(n, time.Now(), 500)); err != nil {
					continue // ErrQueueFull: counted in a gap record, not acknowledged
				}
				mu.Lock()
				fmt.Fprintln(out, n)
				_ = out.Flush()
				mu.Unlock()
			}
		})
	}
	wg.Wait()
}

// TestAsyncCrashWritesGapRecord kills an async recording process with
// SIGKILL under load: the next Open writes, right after the last committed
// record, a gap record saying calls answered after it may be missing, with
// the time bound; the acknowledged calls that are missing are within the
// documented bound (the queue plus one commit).
func TestAsyncCrashWritesGapRecord(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	path := filepath.Join(t.TempDir(), "evidence.db")
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 2))
	for round := range 2 {
		acked := runAndKill(t, "TestAsyncCrashChild", asyncCrashChildEnv, path,
			time.Duration(200+rng.IntN(300))*time.Millisecond)
		if len(acked) < 100 {
			t.Fatalf("round %d: only %d records acknowledged: the load never got going", round, len(acked))
		}
		ro, err := OpenReadOnly(path)
		if err != nil {
			t.Fatalf("round %d: reopen after SIGKILL: %v", round, err)
		}
		head, _ := ro.Head()
		_ = ro.Close(context.Background())
		opened := time.Now()
		s := openTestStoreAt(t, path, Options{Durability: Async})
		recs := readAll(t, s)
		if len(recs) != int(head)+1 {
			t.Fatalf("round %d: %d records after reopening, want the %d committed and a gap", round, len(recs), head)
		}
		g := recs[head].Gap
		if g == nil || g.Cause != evidence.GapUncleanShutdown || g.AfterSeq != head {
			t.Fatalf("round %d: record %d is %v, want an unclean-shutdown gap after record %d", round, head+1, kinds(recs[head:]), head)
		}
		if !g.From.Equal(recs[head-1].Time) || g.Until.Before(opened) || !strings.Contains(g.Reason, "may be missing") {
			t.Errorf("round %d: gap %+v, want it from record %d's time %v until the open", round, *g, head, recs[head-1].Time)
		}
		if err := s.VerifyChain(context.Background()); err != nil {
			t.Errorf("round %d: VerifyChain: %v", round, err)
		}
		missing := missingAcked(recs, acked)
		if bound := defaultQueueSize + maxBatch; missing > bound {
			t.Errorf("round %d: %d acknowledged records missing, past the bound of %d", round, missing, bound)
		}
		t.Logf("round %d: %d acknowledged, %d committed, %d acknowledged but missing (covered by the gap record)",
			round, len(acked), head, missing)
		if err := s.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
}

// missingAcked counts the acknowledged record numbers that no stored call
// carries.
func missingAcked(recs []*evidence.Record, acked []uint64) int {
	stored := map[uint64]bool{}
	for _, r := range recs {
		_, num, ok := strings.Cut(r.Request.URL, "/virtual/")
		if n, err := strconv.ParseUint(num, 10, 64); ok && err == nil {
			stored[n-10000] = true
		}
	}
	missing := 0
	for _, n := range acked {
		if !stored[n] {
			missing++
		}
	}
	return missing
}
