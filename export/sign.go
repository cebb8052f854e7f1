package export

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"fmt"
	"strings"

	"github.com/evidence-proxy/evidence-proxy/dsse"
)

// PayloadType is the DSSE payload type of a bundle signature. It is part of
// the signed bytes, so a signature over a manifest cannot be passed off as
// a signature over anything else.
const PayloadType = "application/vnd.evidence-proxy.manifest+json"

// KeyID returns the id of an ed25519 public key, as dsse.KeyID: the first
// 16 hex digits of the SHA-256 of its raw bytes. Manifests, verdicts and
// errors name keys by it.
func KeyID(pub ed25519.PublicKey) string { return dsse.KeyID(pub) }

// signManifest returns the manifest.sig bytes over manifest: a DSSE
// envelope of type PayloadType.
func signManifest(key ed25519.PrivateKey, manifest []byte) ([]byte, error) {
	sig, err := dsse.Sign(key, PayloadType, manifest)
	if err != nil {
		return nil, fmt.Errorf("sign manifest: %w", err)
	}
	return sig, nil
}

// verifyManifestSig checks the envelope in sig (member names it) against the
// manifest bytes and pub: it must parse as a canonical envelope of type
// PayloadType (dsse.Parse), its payload must be the manifest, and its
// signature by pub's key must verify. A failure is a *SignatureError.
func verifyManifestSig(member string, sig, manifest []byte, pub ed25519.PublicKey) error {
	if len(pub) != ed25519.PublicKeySize {
		return &SignatureError{Member: member, Reason: fmt.Sprintf("the verifying key has %d bytes, not an ed25519 public key", len(pub))}
	}
	keyID := KeyID(pub)
	env, payload, err := dsse.Parse(sig, PayloadType)
	if err != nil {
		return signatureError(member, keyID, err)
	}
	if !bytes.Equal(payload, manifest) {
		return &SignatureError{Member: member, KeyID: keyID, Reason: "payload is not the manifest"}
	}
	if err := env.Verify(pub); err != nil {
		return signatureError(member, keyID, err)
	}
	return nil
}

// signatureError turns an error of package dsse into the SignatureError of
// member, keeping its reason, wrapped error and claimed key ids.
func signatureError(member, keyID string, err error) error {
	var de *dsse.Error
	if !errors.As(err, &de) {
		return &SignatureError{Member: member, KeyID: keyID, Reason: "envelope does not check", Err: err}
	}
	return &SignatureError{Member: member, KeyID: keyID, Reason: de.Reason, Err: de.Err, claimed: de.Claimed}
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
