package export

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// TestForgedBundles: records rewritten, re-chained and re-signed with a
// fresh key make an intact bundle. Without a pinned key it is
// unauthenticated (exit 3), never OK; with the integrator's key it is
// invalid (exit 1). The genuine bundle is verified (exit 0) only with the
// key pinned.
func TestForgedBundles(t *testing.T) {
	dir := t.TempDir()
	recs, prov := classedChain(t, evidence.ClassAxysStaging, "replica-a", 8, testStart)
	opts := testOptions("replica-a", "key-a")
	opts.Provenance = prov
	genuine := mustWrite(t, dir, "genuine.tar.zst", recs, opts)

	var forgedRecs []*evidence.Record
	prev := evidence.GenesisHash
	for _, r := range recs {
		c := *r
		if c.Seq == 1 {
			resp := *c.Response
			resp.Status = 201 // a call that never happened this way
			c.Response = &resp
		}
		if err := c.Seal(prev); err != nil {
			t.Fatal(err)
		}
		prev = c.Hash
		forgedRecs = append(forgedRecs, &c)
	}
	forgedOpts := testOptions("replica-a", "attacker")
	forgedOpts.Provenance = prov
	forged := mustWrite(t, dir, "forged.tar.zst", forgedRecs, forgedOpts)

	integrator := testKey("key-a").Public().(ed25519.PublicKey)
	tests := []struct {
		name     string
		path     string
		keys     []ed25519.PublicKey
		wantExit int
		want     string
	}{
		{name: "genuine, key pinned", path: genuine, keys: []ed25519.PublicKey{integrator}, wantExit: ExitVerified, want: "OK: axys-staging;"},
		{name: "genuine, nothing pinned", path: genuine, wantExit: ExitUnauthenticated, want: "UNAUTHENTICATED: axys-staging;"},
		{name: "forged, nothing pinned", path: forged, wantExit: ExitUnauthenticated, want: "UNAUTHENTICATED: axys-staging;"},
		{name: "forged, the integrator's key pinned", path: forged, keys: []ed25519.PublicKey{integrator}, wantExit: ExitInvalid,
			want: "signed by a key that is not pinned (pinned: " + KeyID(integrator) + ")"},
		{name: "forged, several keys pinned, none the forger's", path: forged,
			keys: []ed25519.PublicKey{testKey("key-b").Public().(ed25519.PublicKey), integrator}, wantExit: ExitInvalid, want: "not pinned"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := unpinnedOpts()
			opts.PublicKeys = tt.keys
			res, err := Verify(context.Background(), tt.path, opts)
			if got := ExitCode(err); got != tt.wantExit {
				t.Fatalf("exit code %d (error %v), want %d", got, err, tt.wantExit)
			}
			switch tt.wantExit {
			case ExitInvalid:
				var se *SignatureError
				if !errors.As(err, &se) || !strings.Contains(err.Error(), tt.want) || res != nil {
					t.Errorf("error = %v, want a SignatureError containing %q", err, tt.want)
				}
			case ExitUnauthenticated:
				if errors.Is(err, ErrInvalidBundle) || res == nil || res.Authenticated || !strings.HasPrefix(res.Verdict, tt.want) {
					t.Fatalf("error %v, result %+v", err, res)
				}
				if lines := strings.Join(res.Lines(), "\n"); !strings.Contains(lines, "NOT PINNED: anyone could have made this bundle") {
					t.Errorf("output does not say the signer is unauthenticated:\n%s", lines)
				}
			default:
				if !res.Authenticated || !strings.HasPrefix(res.Verdict, tt.want) {
					t.Errorf("verdict = %q", res.Verdict)
				}
			}
		})
	}
}

// TestExitCode: only nil is 0, only ErrUnauthenticated is 3; anything
// unforeseen is 1, never a pass.
func TestExitCode(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"verified", nil, ExitVerified},
		{"unauthenticated", fmt.Errorf("verify b: %w", ErrUnauthenticated), ExitUnauthenticated},
		{"invalid member", fmt.Errorf("verify b: %w", &MemberError{Member: MemberMatrix, Reason: "x"}), ExitInvalid},
		{"invalid and unauthenticated together", errors.Join(ErrUnauthenticated, &RecordError{Member: MemberRecords}), ExitInvalid},
		{"missing file", fmt.Errorf("open bundle: %w", fs.ErrNotExist), ExitInvalid},
		{"canceled", context.Canceled, ExitInvalid},
		{"an error nobody foresaw", errors.New("cosmic ray"), ExitInvalid},
	}
	for _, tt := range tests {
		if got := ExitCode(tt.err); got != tt.want {
			t.Errorf("%s: ExitCode = %d, want %d", tt.name, got, tt.want)
		}
	}
}

// TestMergedBundleNeedsEveryKeyPinned: a merged bundle is verified only
// with the merger's and every source's key pinned.
func TestMergedBundleNeedsEveryKeyPinned(t *testing.T) {
	dir := t.TempDir()
	a := classedBundle(t, dir, "a.tar.zst", evidence.ClassAxysStaging, "replica-a", "key-a", testStart)
	b := classedBundle(t, dir, "b.tar.zst", evidence.ClassAxysStaging, "replica-b", "key-b", testStart)
	out := filepath.Join(dir, "merged.tar.zst")
	if _, err := Merge(context.Background(), out, []string{a, b}, mergeOpts()); err != nil {
		t.Fatal(err)
	}
	pub := func(seed string) ed25519.PublicKey { return testKey(seed).Public().(ed25519.PublicKey) }
	for _, tt := range []struct {
		keys []string
		want int
	}{
		{[]string{"merger", "key-a", "key-b"}, ExitVerified},
		{nil, ExitUnauthenticated},
		{[]string{"merger", "key-a"}, ExitInvalid},
		{[]string{"key-a", "key-b"}, ExitInvalid},
	} {
		opts := unpinnedOpts()
		for _, k := range tt.keys {
			opts.PublicKeys = append(opts.PublicKeys, pub(k))
		}
		res, err := Verify(context.Background(), out, opts)
		if got := ExitCode(err); got != tt.want {
			t.Errorf("pinned %v: exit %d (%v), want %d", tt.keys, got, err, tt.want)
		}
		if tt.want == ExitVerified && !strings.Contains(strings.Join(res.Lines(), "\n"), "(merger); sources "+KeyID(pub("key-a"))+" (replica-a), "+KeyID(pub("key-b"))+" (replica-b) (pinned)") {
			t.Errorf("signers line: %v", res.Lines())
		}
	}
}
