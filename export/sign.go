package export

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// PayloadType is the DSSE payload type of a bundle signature. It is part of
// the signed bytes, so a signature over a manifest cannot be passed off as
// a signature over anything else.
const PayloadType = "application/vnd.evidence-proxy.manifest+json"

// maxSignatures bounds the signatures an envelope may carry.
const maxSignatures = 8

// envelope is a DSSE envelope: manifest.sig holds one, with the manifest
// bytes as payload.
type envelope struct {
	PayloadType string         `json:"payloadType"`
	Payload     string         `json:"payload"`
	Signatures  []envelopeSign `json:"signatures"`
}

type envelopeSign struct {
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
// ASCII decimal. It is what the signature covers.
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

// signManifest returns the manifest.sig bytes over manifest.
func signManifest(key ed25519.PrivateKey, manifest []byte) ([]byte, error) {
	pub, ok := key.Public().(ed25519.PublicKey)
	if !ok || len(key) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("sign manifest: not an ed25519 private key")
	}
	env := envelope{
		PayloadType: PayloadType,
		Payload:     base64.StdEncoding.EncodeToString(manifest),
		Signatures: []envelopeSign{{
			KeyID: KeyID(pub),
			Sig:   base64.StdEncoding.EncodeToString(ed25519.Sign(key, pae(PayloadType, manifest))),
		}},
	}
	return encodeEnvelope(&env)
}

func encodeEnvelope(env *envelope) ([]byte, error) {
	b, err := json.Marshal(env)
	if err != nil {
		return nil, fmt.Errorf("encode signature envelope: %w", err)
	}
	return append(b, '\n'), nil
}

// verifyManifestSig checks the envelope in sig (member names it) against the
// manifest bytes and pub. The envelope must be exactly its canonical
// encoding (it is not covered by any hash), its payload must be the
// manifest, its type PayloadType, and one signature with pub's key id must
// verify over the PAE.
func verifyManifestSig(member string, sig, manifest []byte, pub ed25519.PublicKey) error {
	if len(pub) != ed25519.PublicKeySize {
		return &SignatureError{Member: member, Reason: fmt.Sprintf("the verifying key has %d bytes, not an ed25519 public key", len(pub))}
	}
	keyID := KeyID(pub)
	fail := func(reason string, err error) error {
		return &SignatureError{Member: member, KeyID: keyID, Reason: reason, Err: err}
	}
	var env envelope
	if err := decodeStrict(sig, &env); err != nil {
		return fail("malformed envelope", err)
	}
	if again, err := encodeEnvelope(&env); err != nil || !bytes.Equal(again, sig) {
		return fail("envelope is not in canonical form", nil)
	}
	if env.PayloadType != PayloadType {
		return fail(fmt.Sprintf("payload type %q is not %q", env.PayloadType, PayloadType), nil)
	}
	payload, err := base64.StdEncoding.Strict().DecodeString(env.Payload)
	if err != nil {
		return fail("payload is not base64", err)
	}
	if !bytes.Equal(payload, manifest) {
		return fail("payload is not the manifest", nil)
	}
	if len(env.Signatures) == 0 || len(env.Signatures) > maxSignatures {
		return fail(fmt.Sprintf("%d signatures", len(env.Signatures)), nil)
	}
	msg := pae(env.PayloadType, payload)
	var claimed []string
	for _, s := range env.Signatures {
		claimed = append(claimed, s.KeyID)
		if s.KeyID != keyID {
			continue
		}
		raw, err := base64.StdEncoding.Strict().DecodeString(s.Sig)
		if err != nil {
			return fail("signature is not base64", err)
		}
		if !ed25519.Verify(pub, msg, raw) {
			return fail("signature does not verify", nil)
		}
		return nil
	}
	e := fail(fmt.Sprintf("no signature by this key (signed by %v)", claimed), nil).(*SignatureError)
	e.claimed = claimed
	return e
}

// verifyPinned checks a signature against the pinned keys: it must verify
// with one of them. A signature by none of them is a SignatureError naming
// the key that signed and the pinned ones; a signature that claims a
// pinned key and does not verify is reported as such.
func verifyPinned(member string, sig, data []byte, keys []ed25519.PublicKey) (string, error) {
	var claimed []string
	for _, k := range keys {
		err := verifyManifestSig(member, sig, data, k)
		if err == nil {
			return KeyID(k), nil
		}
		var se *SignatureError
		if !errors.As(err, &se) || se.claimed == nil {
			return "", err
		}
		claimed = se.claimed
	}
	var pinned []string
	for _, k := range keys {
		pinned = append(pinned, KeyID(k))
	}
	return "", &SignatureError{Member: member, KeyID: strings.Join(claimed, ","),
		Reason: "signed by a key that is not pinned (pinned: " + strings.Join(pinned, ", ") + ")"}
}
