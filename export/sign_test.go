package export

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evidence-proxy/evidence-proxy/dsse"
)

// TestVerifyManifestSig checks manifest.sig as a bundle member: the
// envelope itself is package dsse's (its tests cover every way one can be
// wrong); here its payload must be the manifest, its type PayloadType, and
// every failure a *SignatureError of the member matching ErrInvalidBundle.
func TestVerifyManifestSig(t *testing.T) {
	key := testKey("signer")
	pub := key.Public().(ed25519.PublicKey)
	manifest := []byte("{\"format\":\"x\"}\n")
	good, err := signManifest(key, manifest)
	if err != nil {
		t.Fatal(err)
	}
	// The same key over the same bytes with another type, as a
	// type-confusion attack would bring (a signed go-live result, say).
	otherType, err := dsse.Sign(key, "application/json", manifest)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		sig      []byte
		manifest []byte
		pub      ed25519.PublicKey
		want     string
	}{
		{name: "valid", sig: good, manifest: manifest, pub: pub},
		{name: "other manifest", sig: good, manifest: []byte("{}\n"), pub: pub, want: "payload is not the manifest"},
		{name: "envelope of another payload type", sig: otherType, manifest: manifest, pub: pub, want: "payload type"},
		{name: "another key", sig: good, manifest: manifest, pub: testKey("other").Public().(ed25519.PublicKey), want: "no signature by this key (signed by [" + KeyID(pub) + "])"},
		{name: "pretty-printed envelope", sig: indent(t, good), manifest: manifest, pub: pub, want: "not in canonical form"},
		{name: "not JSON", sig: []byte("garbage"), manifest: manifest, pub: pub, want: "malformed envelope"},
		{name: "malformed verifying key", sig: good, manifest: manifest, pub: pub[:16], want: "not an ed25519 public key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := verifyManifestSig(MemberSignature, tt.sig, tt.manifest, tt.pub)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("verifyManifestSig: %v", err)
				}
				return
			}
			var se *SignatureError
			if !errors.As(err, &se) || se.Member != MemberSignature || !errors.Is(err, ErrInvalidBundle) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("verifyManifestSig error = %v, want a SignatureError of %s containing %q", err, MemberSignature, tt.want)
			}
		})
	}
}

func indent(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Indent(&buf, b, "", "  "); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestLoadOrCreateSigningKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys", "signing.key")
	key, err := LoadOrCreateSigningKey(path)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode = %v, want 0600", fi.Mode().Perm())
	}
	again, err := LoadOrCreateSigningKey(path)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if !key.Equal(again) {
		t.Error("second call returned another key")
	}
	pub, err := LoadPublicKey(PublicKeyPath(path))
	if err != nil {
		t.Fatalf("load public key: %v", err)
	}
	if !pub.Equal(key.Public()) {
		t.Error("public key file does not hold the signing key's public half")
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 2 {
		t.Errorf("key directory holds %d files, want the key and its .pub", len(entries))
	}
}

func TestSigningKeyErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := filepath.Join(dir, "good.key")
	if _, err := LoadOrCreateSigningKey(good); err != nil {
		t.Fatal(err)
	}
	goodData, _ := os.ReadFile(good)
	pubData, _ := os.ReadFile(PublicKeyPath(good))
	tests := []struct {
		name string
		load func() error
		want string
	}{
		{name: "key readable by others", load: func() error {
			_, err := LoadOrCreateSigningKey(write("open.key", goodData, 0o644))
			return err
		}, want: "readable by others"},
		{name: "key not PEM", load: func() error {
			_, err := LoadOrCreateSigningKey(write("junk.key", []byte("junk"), 0o600))
			return err
		}, want: "no PEM PRIVATE KEY block"},
		{name: "public key given as the private key", load: func() error {
			_, err := LoadOrCreateSigningKey(write("pub-as.key", pubData, 0o600))
			return err
		}, want: "no PEM PRIVATE KEY block"},
		{name: "private key given as the public key", load: func() error {
			_, err := LoadPublicKey(good)
			return err
		}, want: "no PEM PUBLIC KEY block"},
		{name: "missing public key", load: func() error {
			_, err := LoadPublicKey(filepath.Join(dir, "none.pub"))
			return err
		}, want: "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.load()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}
