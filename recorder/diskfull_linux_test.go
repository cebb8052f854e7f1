package recorder

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// mountTmpfs mounts a tmpfs of size bytes on a fresh directory, or skips
// the test saying why.
func mountTmpfs(t *testing.T, size int) string {
	t.Helper()
	dir := t.TempDir()
	if err := unix.Mount("tmpfs", dir, "tmpfs", 0, fmt.Sprintf("size=%d,mode=0700", size)); err != nil {
		t.Skipf("skipped: cannot mount a %d-byte tmpfs for a real full disk (%v); run as root or with CAP_SYS_ADMIN", size, err)
	}
	t.Cleanup(func() { _ = unix.Unmount(dir, unix.MNT_DETACH) })
	return dir
}

// diskLoad drives a store the way the proxy does: a new call is forwarded
// (and recorded in full) while the store is healthy, refused (and its
// refusal recorded) while it is not.
type diskLoad struct {
	s       *Store
	next    atomic.Int64
	mu      sync.Mutex
	acked   map[string]bool // URLs of forwarded calls whose Record returned nil
	refused atomic.Int64    // refusals whose Record returned nil
	after   atomic.Int64    // forwarded calls acknowledged since recovered was set
	recov   atomic.Bool
}

func (l *diskLoad) call() {
	i := int(l.next.Add(1))
	if l.s.Healthy() != nil {
		if err := l.s.Record(context.Background(), refusalRecord(i, time.Now())); err == nil {
			l.refused.Add(1)
		}
		return
	}
	rec := sampleRecord(i, time.Now(), 100)
	rec.Response.Body = evidence.NewBody(randomBytes(i, 4<<10), 4<<10, false)
	url := rec.Request.URL
	if err := l.s.Record(context.Background(), rec); err != nil {
		return
	}
	l.mu.Lock()
	l.acked[url] = true
	l.mu.Unlock()
	if l.recov.Load() {
		l.after.Add(1)
	}
}

// TestFullDiskOutageEnds fills a real small file system under load, frees
// space, and sees service resume: every acknowledged call is in the store,
// the outage is one gap record per outage with the refused count, and the
// chain verifies. Before the fix, the refusals queued during the outage
// filled the freed space again and the store never recovered.
func TestFullDiskOutageEnds(t *testing.T) {
	dir := mountTmpfs(t, 8<<20)
	ballast := filepath.Join(dir, "ballast")
	if err := os.WriteFile(ballast, randomBytes(1, 3<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	fast := func(d time.Duration) <-chan time.Time { return time.After(min(d, 20*time.Millisecond)) }
	s := openTestStoreAt(t, filepath.Join(dir, "evidence.db"), Options{After: fast})
	l := &diskLoad{s: s, acked: map[string]bool{}}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
					l.call()
				}
			}
		})
	}
	waitFor(t, "the disk to fill", func() bool { return s.Healthy() != nil })
	if err := s.Healthy(); !strings.Contains(err.Error(), "no space left on device") {
		t.Errorf("store error %v, want ENOSPC", err)
	}
	waitFor(t, "refusals during the outage", func() bool { return l.refused.Load() > 1000 })
	if err := os.Remove(ballast); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the store to recover", func() bool { return s.Healthy() == nil })
	l.recov.Store(true)
	waitFor(t, "calls recorded after recovery", func() bool { return l.after.Load() >= 100 })
	close(stop)
	wg.Wait()
	if err := s.Close(context.Background()); err != nil {
		t.Fatalf("Close after recovery: %v", err)
	}

	recs := readAllReadOnly(t, s.Path()) // verifies the chain
	var counted, inFull uint64
	var outages int
	stored := map[string]bool{}
	for _, r := range recs {
		switch {
		case r.Gap != nil && r.Gap.Cause == evidence.GapStoreOutage:
			outages++
			counted += r.Gap.Refused
			if !strings.Contains(r.Gap.Error, "no space left on device") || !r.Gap.From.Before(r.Gap.Until) {
				t.Errorf("outage gap %+v", *r.Gap)
			}
		case r.Gap != nil:
			t.Errorf("unexpected gap record %+v", *r.Gap)
		case isRefusal(r):
			inFull++
		default:
			stored[r.Request.URL] = true
		}
	}
	for url := range l.acked {
		if !stored[url] {
			t.Errorf("acknowledged call %s is not in the store", url)
		}
	}
	if outages == 0 || counted == 0 {
		t.Fatalf("%d outage gap records counting %d refusals, want at least one with refusals", outages, counted)
	}
	if got := uint64(l.refused.Load()); counted+inFull != got {
		t.Errorf("%d refusals acknowledged, %d counted in gap records and %d stored in full", got, counted, inFull)
	}
	t.Logf("%d records, %d acknowledged calls, %d outage(s) with %d refusals counted (%d refusals in full)",
		len(recs), len(l.acked), outages, counted, inFull)
	if errors.Is(s.Healthy(), ErrStoreUnavailable) {
		t.Error("store unhealthy at the end")
	}
}
