package recorder

import (
	"encoding/json"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// The provenance bucket holds one value: the store's provenance
// (evidence.Provenance as JSON), replaced whole by each SaveProvenance. It
// is created by the first save, so stores made before it existed open
// unchanged and simply have none. It holds certificates and sidecar starts,
// nothing secret, and is not part of the hash chain: a bundle binds it by
// deriving it again from the records (package provenance).
var (
	bucketProvenance = []byte("provenance")
	keyProvenance    = []byte("provenance")
)

// maxProvenanceBytes bounds the value read back, so that a corrupt store
// cannot make Provenance decode without limit (the collector's own limits
// keep it far below).
const maxProvenanceBytes = 16 << 20

// SaveProvenance replaces the store's provenance with p, durably (one
// fsynced transaction). It is called when provenance changes (a start, a
// new origin or certificate chain), never per call. It implements
// provenance.Saver.
func (s *Store) SaveProvenance(p *evidence.Provenance) error {
	if s.readOnly {
		return errors.New("save provenance: the store is open read-only")
	}
	data, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("save provenance: %w", err)
	}
	if len(data) > maxProvenanceBytes {
		return fmt.Errorf("save provenance: %d bytes, more than %d", len(data), maxProvenanceBytes)
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketProvenance)
		if err != nil {
			return err
		}
		return b.Put(keyProvenance, data)
	})
	if err != nil {
		return fmt.Errorf("save provenance: %w", err)
	}
	return nil
}

// Provenance returns the store's provenance, or nil when none was ever
// saved (a store from before provenance, or one no sidecar ran on).
func (s *Store) Provenance() (*evidence.Provenance, error) {
	var data []byte
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketProvenance)
		if b == nil {
			return nil
		}
		v := b.Get(keyProvenance)
		if len(v) > maxProvenanceBytes {
			return fmt.Errorf("%d bytes, more than %d", len(v), maxProvenanceBytes)
		}
		data = append([]byte(nil), v...)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read provenance: %w", err)
	}
	if data == nil {
		return nil, nil
	}
	var p evidence.Provenance
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("read provenance: %w", err)
	}
	return &p, nil
}
