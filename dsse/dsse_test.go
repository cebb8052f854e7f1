package dsse

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
)

const testType = "application/vnd.test+json"

// testKey returns a fixed ed25519 key derived from name.
func testKey(name string) ed25519.PrivateKey {
	seed := sha256.Sum256([]byte(name))
	return ed25519.NewKeyFromSeed(seed[:])
}

func pubOf(key ed25519.PrivateKey) ed25519.PublicKey { return key.Public().(ed25519.PublicKey) }

// TestPAE checks the pre-authentication encoding against the example of
// the DSSE protocol description.
func TestPAE(t *testing.T) {
	got := string(pae("http://example.com/HelloWorld", []byte("hello world")))
	if want := "DSSEv1 29 http://example.com/HelloWorld 11 hello world"; got != want {
		t.Errorf("pae = %q, want %q", got, want)
	}
}

// TestKeyID pins the key id of a fixed key: bundles and pinned-key lists
// already written name keys by it.
func TestKeyID(t *testing.T) {
	pub := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize)).Public().(ed25519.PublicKey)
	if got, want := KeyID(pub), "139e3940e64b5491"; got != want {
		t.Errorf("KeyID = %s, want %s", got, want)
	}
}

func TestSignErrors(t *testing.T) {
	tests := []struct {
		name, typ string
		key       ed25519.PrivateKey
		want      string
	}{
		{name: "short key", typ: testType, key: testKey("a")[:32], want: "not an ed25519 private key"},
		{name: "no payload type", typ: "", key: testKey("a"), want: "no payload type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Sign(tt.key, tt.typ, []byte("x")); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Sign error = %v, want %q", err, tt.want)
			}
		})
	}
}

// envelopeEditor signs payload with key and returns a function that
// re-encodes the envelope after an edit, canonically.
func envelopeEditor(t *testing.T, key ed25519.PrivateKey, payload []byte) ([]byte, func(func(*Envelope)) []byte) {
	t.Helper()
	good, err := Sign(key, testType, payload)
	if err != nil {
		t.Fatal(err)
	}
	var env Envelope
	if err := json.Unmarshal(good, &env); err != nil {
		t.Fatal(err)
	}
	return good, func(edit func(*Envelope)) []byte {
		e := env
		e.Signatures = append([]Signature{}, env.Signatures...)
		edit(&e)
		b, err := Encode(&e)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
}

func TestOpen(t *testing.T) {
	key, other := testKey("signer"), testKey("other")
	pub := pubOf(key)
	payload := []byte(`{"schema":"x","passed":true}`)
	good, edit := envelopeEditor(t, key, payload)
	sigOver := func(k ed25519.PrivateKey, typ string, p []byte) string {
		return base64.StdEncoding.EncodeToString(ed25519.Sign(k, pae(typ, p)))
	}
	sigs := func(n int) []Signature {
		s := make([]Signature, n)
		for i := range s {
			s[i] = Signature{KeyID: fmt.Sprintf("%016x", i), Sig: sigOver(other, testType, payload)}
		}
		s[n-1] = Signature{KeyID: KeyID(pub), Sig: sigOver(key, testType, payload)}
		return s
	}
	tests := []struct {
		name string
		env  []byte
		typ  string
		pub  ed25519.PublicKey
		want string
	}{
		{name: "valid", env: good, typ: testType, pub: pub},
		{name: "as many signatures as allowed", env: edit(func(e *Envelope) { e.Signatures = sigs(MaxSignatures) }), typ: testType, pub: pub},
		{name: "tampered payload", env: edit(func(e *Envelope) {
			e.Payload = base64.StdEncoding.EncodeToString([]byte(`{"schema":"x","passed":false}`))
		}), typ: testType, pub: pub, want: "signature does not verify"},
		{name: "another payload type expected", env: good, typ: "application/vnd.other+json", pub: pub, want: `payload type "application/vnd.test+json" is not "application/vnd.other+json"`},
		{name: "payload type changed", env: edit(func(e *Envelope) { e.PayloadType = "application/json" }), typ: testType, pub: pub, want: "payload type"},
		{name: "signature over another payload type", env: edit(func(e *Envelope) {
			e.Signatures[0].Sig = sigOver(key, "application/json", payload)
		}), typ: testType, pub: pub, want: "signature does not verify"},
		{name: "pretty-printed", env: indent(t, good), typ: testType, pub: pub, want: "not in canonical form"},
		{name: "leading space", env: append([]byte(" "), good...), typ: testType, pub: pub, want: "not in canonical form"},
		{name: "no trailing newline", env: bytes.TrimSuffix(good, []byte("\n")), typ: testType, pub: pub, want: "not in canonical form"},
		{name: "field name case changed", env: bytes.Replace(good, []byte(`"payloadType"`), []byte(`"PayloadType"`), 1), typ: testType, pub: pub, want: "not in canonical form"},
		{name: "payload type given twice", env: bytes.Replace(good, []byte(`{"payloadType"`), []byte(`{"payloadType":"application/json","payloadType"`), 1), typ: testType, pub: pub, want: "not in canonical form"},
		{name: "unknown field", env: bytes.Replace(good, []byte(`{"payloadType"`), []byte(`{"x":1,"payloadType"`), 1), typ: testType, pub: pub, want: "malformed envelope"},
		{name: "trailing data", env: append(append([]byte{}, good...), "{}\n"...), typ: testType, pub: pub, want: "malformed envelope: trailing data"},
		{name: "not JSON", env: []byte("garbage"), typ: testType, pub: pub, want: "malformed envelope"},
		{name: "no signatures", env: edit(func(e *Envelope) { e.Signatures = nil }), typ: testType, pub: pub, want: "0 signatures"},
		{name: "too many signatures", env: edit(func(e *Envelope) { e.Signatures = sigs(MaxSignatures + 1) }), typ: testType, pub: pub, want: "9 signatures"},
		{name: "wrong key", env: good, typ: testType, pub: pubOf(other), want: "no signature by this key (signed by [" + KeyID(pub) + "])"},
		{name: "key id of another key", env: edit(func(e *Envelope) { e.Signatures[0].KeyID = "0011223344556677" }), typ: testType, pub: pub, want: "no signature by this key"},
		{name: "key id of the key, signature of another", env: edit(func(e *Envelope) {
			e.Signatures[0].Sig = sigOver(other, testType, payload)
		}), typ: testType, pub: pub, want: "signature does not verify"},
		{name: "payload not base64", env: edit(func(e *Envelope) { e.Payload = "not base64!" }), typ: testType, pub: pub, want: "payload is not base64"},
		{name: "payload base64 not strict", env: edit(func(e *Envelope) { e.Payload = "aGl=" }), typ: testType, pub: pub, want: "payload is not base64"},
		{name: "signature not base64", env: edit(func(e *Envelope) { e.Signatures[0].Sig = "%%" }), typ: testType, pub: pub, want: "signature is not base64"},
		{name: "malformed verifying key", env: good, typ: testType, pub: pub[:16], want: "the verifying key has 16 bytes, not an ed25519 public key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Open(tt.env, tt.typ, tt.pub)
			if tt.want == "" {
				if err != nil || !bytes.Equal(got, payload) {
					t.Fatalf("Open = %q, %v", got, err)
				}
				return
			}
			checkError(t, err, tt.want, tt.pub)
			if got != nil {
				t.Errorf("Open returned the payload %q with an error", got)
			}
		})
	}
}

// checkError checks that err is an *Error matching ErrInvalid, saying
// want, and naming the key it was checked against (when well-formed).
func checkError(t *testing.T, err error, want string, pub ed25519.PublicKey) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) || !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), want) {
		t.Fatalf("err = %v, want an *Error with %q", err, want)
	}
	if len(pub) == ed25519.PublicKeySize && e.KeyID != KeyID(pub) {
		t.Errorf("error names key %q, want %q", e.KeyID, KeyID(pub))
	}
}

// TestClaimed checks that an envelope with no signature by the key lists
// the keys that do sign, and only then.
func TestClaimed(t *testing.T) {
	key := testKey("signer")
	env, err := Sign(key, testType, []byte("p"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		pub  ed25519.PublicKey
		want []string
	}{
		{name: "another key", pub: pubOf(testKey("other")), want: []string{KeyID(pubOf(key))}},
		{name: "tampered under the key", pub: pubOf(key), want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := env
			if tt.want == nil {
				data = bytes.Replace(env, []byte(`"payload":"`), []byte(`"payload":"AAAA`), 1)
			}
			_, err := Open(data, testType, tt.pub)
			var e *Error
			if !errors.As(err, &e) || fmt.Sprint(e.Claimed) != fmt.Sprint(tt.want) || (e.Claimed == nil) != (tt.want == nil) {
				t.Errorf("err = %v, claimed %v, want %v", err, e, tt.want)
			}
		})
	}
}

// TestParse checks that Parse returns the payload without looking at a
// signature, and names no key in its errors.
func TestParse(t *testing.T) {
	_, edit := envelopeEditor(t, testKey("signer"), []byte("payload"))
	unsigned := edit(func(e *Envelope) { e.Signatures[0].Sig = "" })
	tests := []struct {
		name, typ, want string
	}{
		{name: "unsigned envelope parses", typ: testType},
		{name: "another type", typ: "application/json", want: "payload type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, payload, err := Parse(unsigned, tt.typ)
			if tt.want == "" {
				if err != nil || string(payload) != "payload" || env.PayloadType != testType {
					t.Fatalf("Parse = %+v, %q, %v", env, payload, err)
				}
				if err := env.Verify(pubOf(testKey("signer"))); !errors.Is(err, ErrInvalid) {
					t.Errorf("Verify of an unsigned envelope = %v", err)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) || e.KeyID != "" || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse error = %v, want %q and no key", err, tt.want)
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
