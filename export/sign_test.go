package export

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPAE checks the pre-authentication encoding against the example of
// the DSSE protocol description.
func TestPAE(t *testing.T) {
	got := string(pae("http://example.com/HelloWorld", []byte("hello world")))
	if want := "DSSEv1 29 http://example.com/HelloWorld 11 hello world"; got != want {
		t.Errorf("pae = %q, want %q", got, want)
	}
}

func TestVerifyManifestSig(t *testing.T) {
	key := testKey("signer")
	pub := key.Public().(ed25519.PublicKey)
	manifest := []byte("{\"format\":\"x\"}\n")
	good, err := signManifest(key, manifest)
	if err != nil {
		t.Fatal(err)
	}
	var env envelope
	if err := json.Unmarshal(good, &env); err != nil {
		t.Fatal(err)
	}
	reencode := func(edit func(*envelope)) []byte {
		e := env
		e.Signatures = append([]envelopeSign{}, env.Signatures...)
		edit(&e)
		b, err := encodeEnvelope(&e)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	// A signature over the same payload with another type, as a
	// type-confusion attack would bring.
	otherType := ed25519.Sign(key, pae("application/json", manifest))
	tests := []struct {
		name     string
		sig      []byte
		manifest []byte
		want     string
	}{
		{name: "valid", sig: good, manifest: manifest},
		{name: "other manifest", sig: good, manifest: []byte("{}\n"), want: "payload is not the manifest"},
		{name: "payload type changed", sig: reencode(func(e *envelope) { e.PayloadType = "application/json" }), manifest: manifest, want: "payload type"},
		{name: "signature over another payload type", sig: reencode(func(e *envelope) {
			e.Signatures[0].Sig = base64.StdEncoding.EncodeToString(otherType)
		}), manifest: manifest, want: "does not verify"},
		{name: "key id of another key", sig: reencode(func(e *envelope) { e.Signatures[0].KeyID = "0011223344556677" }), manifest: manifest, want: "no signature by this key"},
		{name: "no signatures", sig: reencode(func(e *envelope) { e.Signatures = nil }), manifest: manifest, want: "0 signatures"},
		{name: "pretty-printed envelope", sig: indent(t, good), manifest: manifest, want: "not in canonical form"},
		{name: "unknown field", sig: bytes.Replace(good, []byte(`{"payloadType"`), []byte(`{"x":1,"payloadType"`), 1), manifest: manifest, want: "malformed envelope"},
		{name: "field name case changed", sig: bytes.Replace(good, []byte(`"payloadType"`), []byte(`"PayloadType"`), 1), manifest: manifest, want: "not in canonical form"},
		{name: "not JSON", sig: []byte("garbage"), manifest: manifest, want: "malformed envelope"},
	}
	t.Run("malformed verifying key", func(t *testing.T) {
		err := verifyManifestSig(MemberSignature, good, manifest, pub[:16])
		if err == nil || !strings.Contains(err.Error(), "not an ed25519 public key") {
			t.Fatalf("verifyManifestSig error = %v", err)
		}
	})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := verifyManifestSig(MemberSignature, tt.sig, tt.manifest, pub)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("verifyManifestSig: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("verifyManifestSig error = %v, want it to contain %q", err, tt.want)
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
