package export

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"strings"
	"testing"
)

func TestSignAndOpenEnvelope(t *testing.T) {
	key := testKey("dsse-a")
	pub := key.Public().(ed25519.PublicKey)
	payload := []byte(`{"schema":"x","passed":true}`)
	env, err := SignEnvelope(key, "application/vnd.test+json", payload)
	if err != nil {
		t.Fatal(err)
	}
	got, err := OpenEnvelope(env, "application/vnd.test+json", pub)
	if err != nil || !bytes.Equal(got, payload) {
		t.Fatalf("OpenEnvelope = %q, %v", got, err)
	}
	flipped := bytes.Replace(env, []byte(`"sig":"`), []byte(`"sig":"A`), 1)
	other := testKey("dsse-b").Public().(ed25519.PublicKey)
	manifestSig, err := signManifest(key, payload)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, typ string
		env       []byte
		pub       ed25519.PublicKey
		want      string
	}{
		{"another type", "application/vnd.other+json", env, pub, "payload type"},
		{"a manifest signature", "application/vnd.test+json", manifestSig, pub, "payload type"},
		{"another key", "application/vnd.test+json", env, other, "no signature by this key"},
		{"a changed signature", "application/vnd.test+json", flipped, pub, "signature"},
		{"not canonical", "application/vnd.test+json", append([]byte(" "), env...), pub, "canonical"},
		{"not JSON", "application/vnd.test+json", []byte("nope"), pub, "malformed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := OpenEnvelope(tt.env, tt.typ, tt.pub)
			var se *SignatureError
			if !errors.As(err, &se) || !errors.Is(err, ErrInvalidBundle) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want a SignatureError with %q", err, tt.want)
			}
		})
	}
}
