// Package dsse signs and opens DSSE envelopes (Dead Simple Signing
// Envelope, https://github.com/secure-systems-lab/dsse) with one ed25519
// key: the encoding of a bundle's manifest.sig and of the signed go-live
// result. It imports only the standard library, so every package that
// signs or checks a document can use it without importing the package that
// writes bundles.
//
// An envelope is the JSON object {"payloadType", "payload", "signatures"}:
// the payload in standard base64, and each signature a key id and the
// base64 ed25519 signature. A signature never covers the JSON itself but
// the pre-authentication encoding (PAE) of the payload type and payload:
//
//	"DSSEv1" SP len(type) SP type SP len(payload) SP payload
//
// with the lengths in ASCII decimal. The payload type is therefore part of
// the signed bytes: a signature over a manifest cannot be presented as a
// signature over a go-live result, or over any other document signed with
// the same key, and Open refuses an envelope whose type is not the one the
// caller expects before it looks at a signature. The lengths make the
// encoding unambiguous, so no two (type, payload) pairs sign the same
// bytes.
//
// The envelope bytes themselves are covered by no hash and no signature, so
// Parse accepts only the exact encoding Sign writes (encoding/json's, field
// order fixed, no whitespace, one trailing newline): it decodes strictly
// (no unknown fields, no trailing data), re-encodes, and refuses any
// difference, which catches what a strict decoder still lets through
// (field names in another case, a field given twice, reordering,
// whitespace). Without that check the same signed content could travel in
// many byte forms, so a file's hash would not name its content, and a
// reader more lenient than encoding/json (a second payloadType, a
// case-folded name) could read another type or payload than the one
// verified. Base64 is decoded strictly for the same reason.
//
// An envelope may hold at most MaxSignatures signatures, so a crafted one
// cannot make a verifier run an unbounded number of checks. Key ids (KeyID)
// only select the signature to check; verification always uses the whole
// pinned key.
package dsse
