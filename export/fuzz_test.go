package export

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzVerify feeds arbitrary files to Verify: it must never panic, and
// anything it rejects must be rejected as an invalid bundle. The seeds run
// with the ordinary tests; run `go test ./export -fuzz FuzzVerify` to
// search further.
func FuzzVerify(f *testing.F) {
	path, _, _ := sampleBundle(f, 6)
	good, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:len(good)/3])
	f.Add([]byte{})
	f.Add([]byte(zstdMagic))
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(t.TempDir(), "fuzz.tar.zst")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := Verify(context.Background(), p, verifyOpts())
		if err != nil && !errors.Is(err, ErrInvalidBundle) {
			t.Fatalf("Verify error %v is not an ErrInvalidBundle", err)
		}
	})
}
