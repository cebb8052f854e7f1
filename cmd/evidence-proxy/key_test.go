package main

import (
	"crypto/ed25519"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evidence-proxy/evidence-proxy/export"
)

// TestKeyShow: key show prints the data directory's public key as a file
// verify --pubkey reads, with the key id verify prints, and creates
// nothing.
func TestKeyShow(t *testing.T) {
	dir := t.TempDir()
	_, _, err := runCmd(t, "key", "show", "--data-dir", dir)
	if err == nil || !strings.Contains(err.Error(), "no signing key in "+dir) {
		t.Fatalf("key show without a key: %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("key show created %v", entries)
	}
	path := filepath.Join(dir, signKeyFile)
	key, created, err := signingKey(path)
	if err != nil || !created {
		t.Fatalf("signingKey: created %v, %v", created, err)
	}
	if _, again, err := signingKey(path); err != nil || again {
		t.Fatalf("signingKey of an existing key: created %v, %v", again, err)
	}
	stdout, stderr, err := runCmd(t, "key", "show", "--data-dir", dir)
	if err != nil || stderr != "" {
		t.Fatalf("key show: %v, stderr %q", err, stderr)
	}
	if !strings.Contains(stdout, "# key id "+keyID(key)+" (verify prints \"signed by key "+keyID(key)+"\")") {
		t.Errorf("key show does not give the key id %s:\n%s", keyID(key), stdout)
	}
	pubFile := filepath.Join(t.TempDir(), "integrator.pub")
	if err := os.WriteFile(pubFile, []byte(stdout), 0o644); err != nil {
		t.Fatal(err)
	}
	pub, err := export.LoadPublicKey(pubFile)
	if err != nil || !pub.Equal(key.Public().(ed25519.PublicKey)) {
		t.Errorf("the output of key show is not the key's public half: %v", err)
	}

	// A .pub that is not this key's is pointed out.
	other, _, _ := signingKey(filepath.Join(t.TempDir(), "other.pem"))
	if err := export.WritePublicKey(export.PublicKeyPath(path), other.Public().(ed25519.PublicKey)); err != nil {
		t.Fatal(err)
	}
	if _, stderr, err := runCmd(t, "key", "show", "--data-dir", dir); err != nil || !strings.Contains(stderr, "does not hold this key's public half") {
		t.Errorf("key show with a stale .pub: %v, stderr %q", err, stderr)
	}

	// A key others may read is refused.
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := runCmd(t, "key", "show", "--data-dir", dir); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("key show of a readable key: %v", err)
	}
}
