package export

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// TestGoldenBundle pins the bytes of a deterministic bundle's manifest and
// HAR. Verify derives the HAR again and checks the manifest's format, so a
// change here can stop old bundles from verifying: it must be deliberate
// (run with -update and review the diff; bump FormatVersion if old
// bundles would no longer verify).
func TestGoldenBundle(t *testing.T) {
	recs := makeChain(t, 1, 8, evidence.GenesisHash, testStart, 1500*time.Millisecond)
	path := mustWrite(t, t.TempDir(), "b.tar.zst", recs, testOptions("replica-a", "golden"))
	members := readBundle(t, path)
	for _, name := range []string{MemberManifest, MemberHAR} {
		t.Run(name, func(t *testing.T) {
			got := memberData(t, members, name)
			golden := filepath.Join("testdata", "golden", name)
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("read golden file (run with -update to create it): %v", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from %s; run with -update if the change is deliberate\ngot:\n%s", name, golden, got)
			}
		})
	}
}
