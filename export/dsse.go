package export

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
)

// SignEnvelope returns a DSSE envelope over payload, of the given payload
// type, signed by key: the encoding manifest.sig uses, for the other
// documents evidence-proxy signs with the same key (the result of golive
// verify). The type is part of the signed bytes, so an envelope of one
// type can never pass for another.
func SignEnvelope(key ed25519.PrivateKey, payloadType string, payload []byte) ([]byte, error) {
	pub, ok := key.Public().(ed25519.PublicKey)
	if !ok || len(key) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("sign envelope: not an ed25519 private key")
	}
	if payloadType == "" {
		return nil, fmt.Errorf("sign envelope: no payload type")
	}
	env := envelope{
		PayloadType: payloadType,
		Payload:     base64.StdEncoding.EncodeToString(payload),
		Signatures: []envelopeSign{{
			KeyID: KeyID(pub),
			Sig:   base64.StdEncoding.EncodeToString(ed25519.Sign(key, pae(payloadType, payload))),
		}},
	}
	return encodeEnvelope(&env)
}

// OpenEnvelope checks an envelope written by SignEnvelope against the
// pinned key pub and the expected payload type, and returns its payload.
// The envelope must be exactly its canonical encoding, of that type, with
// a signature by pub's key id that verifies; any failure is a
// *SignatureError (member "envelope") matching ErrInvalidBundle.
func OpenEnvelope(data []byte, payloadType string, pub ed25519.PublicKey) ([]byte, error) {
	const member = "envelope"
	if len(pub) != ed25519.PublicKeySize {
		return nil, &SignatureError{Member: member, Reason: fmt.Sprintf("the verifying key has %d bytes, not an ed25519 public key", len(pub))}
	}
	keyID := KeyID(pub)
	fail := func(reason string, err error) error {
		return &SignatureError{Member: member, KeyID: keyID, Reason: reason, Err: err}
	}
	var env envelope
	if err := decodeStrict(data, &env); err != nil {
		return nil, fail("malformed envelope", err)
	}
	if again, err := encodeEnvelope(&env); err != nil || !bytes.Equal(again, data) {
		return nil, fail("envelope is not in canonical form", nil)
	}
	if env.PayloadType != payloadType {
		return nil, fail(fmt.Sprintf("payload type %q is not %q", env.PayloadType, payloadType), nil)
	}
	payload, err := base64.StdEncoding.Strict().DecodeString(env.Payload)
	if err != nil {
		return nil, fail("payload is not base64", err)
	}
	if len(env.Signatures) == 0 || len(env.Signatures) > maxSignatures {
		return nil, fail(fmt.Sprintf("%d signatures", len(env.Signatures)), nil)
	}
	msg := pae(env.PayloadType, payload)
	for _, s := range env.Signatures {
		if s.KeyID != keyID {
			continue
		}
		raw, err := base64.StdEncoding.Strict().DecodeString(s.Sig)
		if err != nil {
			return nil, fail("signature is not base64", err)
		}
		if !ed25519.Verify(pub, msg, raw) {
			return nil, fail("signature does not verify", nil)
		}
		return payload, nil
	}
	return nil, fail("no signature by this key", nil)
}
