package evidence

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// GenesisHash is the PrevHash of the first record of a chain.
const GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

const hashDomain = "evidence-proxy/record/v1\n"

// Canonical returns the canonical encoding of r: its encoding/json encoding
// (HTML escaping off, no trailing newline) with Hash empty. It is built by
// AppendCanonical, which produces the same bytes without reflection.
func (r *Record) Canonical() ([]byte, error) {
	canon, err := r.AppendCanonical(make([]byte, 0, r.canonicalSizeHint()))
	if err != nil {
		return nil, err
	}
	return canon, nil
}

// ComputeHash returns the chain hash of r over its PrevHash.
func (r *Record) ComputeHash() (string, error) {
	canon, err := r.Canonical()
	if err != nil {
		return "", err
	}
	h := sha256.New()
	h.Write([]byte(hashDomain))
	h.Write([]byte(r.PrevHash))
	h.Write([]byte("\n"))
	h.Write(canon)
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Seal links r to the record before it: it sets PrevHash to prev and Hash to
// the resulting chain hash.
func (r *Record) Seal(prev string) error {
	r.PrevHash = prev
	r.Hash = ""
	h, err := r.ComputeHash()
	if err != nil {
		return err
	}
	r.Hash = h
	return nil
}

// ChainError is returned by Check when a record does not link to the one
// before it or its hash does not match its content.
type ChainError struct {
	Seq    uint64
	Reason string
}

func (e *ChainError) Error() string {
	return fmt.Sprintf("record %d: %s", e.Seq, e.Reason)
}

// Check verifies that r follows a record with hash prev and sequence number
// prevSeq (0 and GenesisHash before the first record) and that its own Hash
// matches its content.
func (r *Record) Check(prevSeq uint64, prev string) error {
	if r.Seq != prevSeq+1 {
		return &ChainError{Seq: r.Seq, Reason: fmt.Sprintf("sequence gap: expected %d", prevSeq+1)}
	}
	if r.PrevHash != prev {
		return &ChainError{Seq: r.Seq, Reason: "prev_hash does not match the previous record"}
	}
	h, err := r.ComputeHash()
	if err != nil {
		return err
	}
	if h != r.Hash {
		return &ChainError{Seq: r.Seq, Reason: "hash does not match the record's content"}
	}
	return nil
}
