package dsse

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// MaxSignatures bounds the signatures an envelope may carry.
const MaxSignatures = 8

// Envelope is a DSSE envelope as it is encoded: the payload and the
// signatures in standard base64.
type Envelope struct {
	PayloadType string      `json:"payloadType"`
	Payload     string      `json:"payload"`
	Signatures  []Signature `json:"signatures"`
}

// Signature is one signature of an envelope: the id of the key (KeyID)
// and the ed25519 signature over the PAE of the payload type and payload.
type Signature struct {
	KeyID string `json:"keyid"`
	Sig   string `json:"sig"`
}

// KeyID returns the id of an ed25519 public key: the first 16 hex digits of
// the SHA-256 of its raw bytes. It only names the key; verification always
// uses the whole key.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:8])
}

// pae is the DSSE pre-authentication encoding of a payload and its type:
// "DSSEv1" SP len(type) SP type SP len(payload) SP payload, lengths in
// ASCII decimal. It is what a signature covers.
func pae(payloadType string, payload []byte) []byte {
	var b bytes.Buffer
	b.WriteString("DSSEv1 ")
	b.WriteString(strconv.Itoa(len(payloadType)))
	b.WriteByte(' ')
	b.WriteString(payloadType)
	b.WriteByte(' ')
	b.WriteString(strconv.Itoa(len(payload)))
	b.WriteByte(' ')
	b.Write(payload)
	return b.Bytes()
}

// Encode returns the canonical encoding of env: encoding/json's, followed
// by a newline. It is the only encoding Parse accepts.
func Encode(env *Envelope) ([]byte, error) {
	b, err := json.Marshal(env)
	if err != nil {
		return nil, fmt.Errorf("encode signature envelope: %w", err)
	}
	return append(b, '\n'), nil
}

// Sign returns the canonical encoding of an envelope over payload, of the
// given payload type, with one signature by key. Its errors carry no
// context: the caller names what it was signing.
func Sign(key ed25519.PrivateKey, payloadType string, payload []byte) ([]byte, error) {
	pub, ok := key.Public().(ed25519.PublicKey)
	if !ok || len(key) != ed25519.PrivateKeySize {
		return nil, errors.New("not an ed25519 private key")
	}
	if payloadType == "" {
		return nil, errors.New("no payload type")
	}
	env := Envelope{
		PayloadType: payloadType,
		Payload:     base64.StdEncoding.EncodeToString(payload),
		Signatures: []Signature{{
			KeyID: KeyID(pub),
			Sig:   base64.StdEncoding.EncodeToString(ed25519.Sign(key, pae(payloadType, payload))),
		}},
	}
	return Encode(&env)
}

// Open checks an envelope written by Sign against the pinned key pub and
// the expected payload type, and returns its payload: Parse, then Verify.
// Any failure is an *Error (with pub's key id) matching ErrInvalid.
func Open(data []byte, payloadType string, pub ed25519.PublicKey) ([]byte, error) {
	if err := checkKey(pub); err != nil {
		return nil, err
	}
	env, payload, err := parse(data, payloadType, KeyID(pub))
	if err != nil {
		return nil, err
	}
	if err := env.Verify(pub); err != nil {
		return nil, err
	}
	return payload, nil
}

// Parse decodes data as an envelope of payloadType and returns it with its
// decoded payload, checking no signature: data must decode strictly, be
// exactly its canonical encoding (Encode), carry that payload type and a
// payload in strict base64. Any failure is an *Error matching ErrInvalid.
func Parse(data []byte, payloadType string) (*Envelope, []byte, error) {
	return parse(data, payloadType, "")
}

// parse is Parse, its errors naming keyID.
func parse(data []byte, payloadType, keyID string) (*Envelope, []byte, error) {
	var env Envelope
	if err := decodeStrict(data, &env); err != nil {
		return nil, nil, &Error{KeyID: keyID, Reason: "malformed envelope", Err: err}
	}
	if again, err := Encode(&env); err != nil || !bytes.Equal(again, data) {
		return nil, nil, &Error{KeyID: keyID, Reason: "envelope is not in canonical form"}
	}
	if env.PayloadType != payloadType {
		return nil, nil, &Error{KeyID: keyID, Reason: fmt.Sprintf("payload type %q is not %q", env.PayloadType, payloadType)}
	}
	payload, err := env.payload(keyID)
	if err != nil {
		return nil, nil, err
	}
	return &env, payload, nil
}

// Verify checks that the envelope holds between one and MaxSignatures
// signatures and that the one with pub's key id verifies over the PAE of
// its payload type and payload. Any failure is an *Error (with pub's key
// id) matching ErrInvalid; when no signature names pub's key, its Claimed
// lists the key ids that do sign.
func (env *Envelope) Verify(pub ed25519.PublicKey) error {
	if err := checkKey(pub); err != nil {
		return err
	}
	keyID := KeyID(pub)
	payload, err := env.payload(keyID)
	if err != nil {
		return err
	}
	if len(env.Signatures) == 0 || len(env.Signatures) > MaxSignatures {
		return &Error{KeyID: keyID, Reason: fmt.Sprintf("%d signatures", len(env.Signatures))}
	}
	msg := pae(env.PayloadType, payload)
	var claimed []string
	for _, s := range env.Signatures {
		claimed = append(claimed, s.KeyID)
		if s.KeyID != keyID {
			continue
		}
		return verifyOne(s, keyID, msg, pub)
	}
	return &Error{KeyID: keyID, Claimed: claimed,
		Reason: fmt.Sprintf("no signature by this key (signed by %v)", claimed)}
}

func verifyOne(s Signature, keyID string, msg []byte, pub ed25519.PublicKey) error {
	raw, err := base64.StdEncoding.Strict().DecodeString(s.Sig)
	if err != nil {
		return &Error{KeyID: keyID, Reason: "signature is not base64", Err: err}
	}
	if !ed25519.Verify(pub, msg, raw) {
		return &Error{KeyID: keyID, Reason: "signature does not verify"}
	}
	return nil
}

// payload decodes the payload; the error is an *Error naming keyID.
func (env *Envelope) payload(keyID string) ([]byte, error) {
	payload, err := base64.StdEncoding.Strict().DecodeString(env.Payload)
	if err != nil {
		return nil, &Error{KeyID: keyID, Reason: "payload is not base64", Err: err}
	}
	return payload, nil
}

func checkKey(pub ed25519.PublicKey) error {
	if len(pub) != ed25519.PublicKeySize {
		return &Error{Reason: fmt.Sprintf("the verifying key has %d bytes, not an ed25519 public key", len(pub))}
	}
	return nil
}

// decodeStrict decodes one JSON value, rejecting unknown fields and
// trailing data.
func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("trailing data after the JSON value")
	}
	return nil
}
