package recorder

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/klauspost/compress/zstd"
	bolt "go.etcd.io/bbolt"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// The bbolt file (see the package documentation for the whole layout).
const (
	// SchemaVersion is the layout version written in the meta bucket.
	SchemaVersion = 1

	pageSize = 16 << 10

	envelopeVersion = 1
	// envelope: version(1) | time unix nanos(8) | hash(32) | prev hash(32) | zstd(template)
	envTimeAt   = 1
	envHashAt   = 9
	envPrevAt   = 41
	envHeaderAt = 73
)

var (
	bucketMeta    = []byte("meta")
	bucketRecords = []byte("records")

	metaSchema     = []byte("schema_version")
	metaInstanceID = []byte("instance_id")
	metaCreated    = []byte("created")
	metaHeadSeq    = []byte("head_seq")
	metaHeadHash   = []byte("head_hash")
	metaRunState   = []byte("run_state") // the clean-shutdown marker (shutdown.go)
)

// head is the end of the chain: the last committed sequence number and the
// hash of that record (GenesisHash for an empty store).
type head struct {
	seq  uint64
	hash string
}

// initSchema creates the buckets and metadata of a new store.
func initSchema(tx *bolt.Tx, now time.Time) error {
	for _, b := range [][]byte{bucketMeta, bucketRecords} {
		if _, err := tx.CreateBucket(b); err != nil {
			return fmt.Errorf("create bucket %s: %w", b, err)
		}
	}
	id := make([]byte, 16)
	if _, err := rand.Read(id); err != nil {
		return fmt.Errorf("create instance id: %w", err)
	}
	meta := tx.Bucket(bucketMeta)
	for k, v := range map[string][]byte{
		string(metaSchema):     binary.BigEndian.AppendUint32(nil, SchemaVersion),
		string(metaInstanceID): []byte(hex.EncodeToString(id)),
		string(metaCreated):    []byte(now.UTC().Format(time.RFC3339Nano)),
	} {
		if err := meta.Put([]byte(k), v); err != nil {
			return fmt.Errorf("write store metadata: %w", err)
		}
	}
	return putHead(meta, head{seq: 0, hash: evidence.GenesisHash})
}

func putHead(meta *bolt.Bucket, h head) error {
	raw, err := hex.DecodeString(h.hash)
	if err != nil || len(raw) != 32 {
		return fmt.Errorf("write chain head: bad hash %q", h.hash)
	}
	if err := meta.Put(metaHeadSeq, binary.BigEndian.AppendUint64(nil, h.seq)); err != nil {
		return fmt.Errorf("write chain head: %w", err)
	}
	if err := meta.Put(metaHeadHash, raw); err != nil {
		return fmt.Errorf("write chain head: %w", err)
	}
	return nil
}

// storeMeta is what Open reads from the meta bucket.
type storeMeta struct {
	instanceID string
	head       head
}

// readMeta reads and checks the metadata of an existing store.
func readMeta(tx *bolt.Tx) (storeMeta, error) {
	meta := tx.Bucket(bucketMeta)
	if meta == nil || tx.Bucket(bucketRecords) == nil {
		return storeMeta{}, errors.New("not an evidence store (missing buckets)")
	}
	v := meta.Get(metaSchema)
	if len(v) != 4 {
		return storeMeta{}, errors.New("not an evidence store (no schema version)")
	}
	if got := binary.BigEndian.Uint32(v); got != SchemaVersion {
		return storeMeta{}, fmt.Errorf("store schema version %d is not supported (want %d)", got, SchemaVersion)
	}
	seq, hash := meta.Get(metaHeadSeq), meta.Get(metaHeadHash)
	if len(seq) != 8 || len(hash) != 32 {
		return storeMeta{}, errors.New("store metadata has no valid chain head")
	}
	return storeMeta{
		instanceID: string(meta.Get(metaInstanceID)),
		head:       head{seq: binary.BigEndian.Uint64(seq), hash: hex.EncodeToString(hash)},
	}, nil
}

// checkHead verifies that the chain head kept in the metadata is the last
// record, and that this record's content still hashes to it.
func checkHead(tx *bolt.Tx, h head, dec *zstd.Decoder) error {
	k, v := tx.Bucket(bucketRecords).Cursor().Last()
	if k == nil {
		if h.seq != 0 || h.hash != evidence.GenesisHash {
			return fmt.Errorf("%w: head is record %d but the store has no records", ErrChainMismatch, h.seq)
		}
		return nil
	}
	seq := binary.BigEndian.Uint64(k)
	if seq != h.seq {
		return fmt.Errorf("%w: head is record %d but the last record is %d", ErrChainMismatch, h.seq, seq)
	}
	rec, err := decodeRecord(seq, v, dec)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrChainMismatch, err)
	}
	if rec.Hash != h.hash {
		return fmt.Errorf("%w: record %d has hash %s but the head is %s", ErrChainMismatch, seq, rec.Hash, h.hash)
	}
	got, err := rec.ComputeHash()
	if err != nil {
		return fmt.Errorf("%w: %w", ErrChainMismatch, err)
	}
	if got != h.hash {
		return fmt.Errorf("%w: record %d content hashes to %s, not to the head %s", ErrChainMismatch, seq, got, h.hash)
	}
	return nil
}

// fillEnvelope writes the writer's part of the envelope header.
func fillEnvelope(value []byte, hash, prev string) {
	_, _ = hex.Decode(value[envHashAt:envPrevAt], []byte(hash))
	_, _ = hex.Decode(value[envPrevAt:envHeaderAt], []byte(prev))
}

// newEnvelope returns an envelope holding the compressed template, with
// room for the header, written to dst's memory.
func newEnvelope(enc *zstd.Encoder, canon []byte, t time.Time, dst []byte) []byte {
	value := dst[:envHeaderAt]
	value[0] = envelopeVersion
	binary.BigEndian.PutUint64(value[envTimeAt:envHashAt], uint64(unixNanos(t)))
	return enc.EncodeAll(canon, value)
}

// envelopeTime returns the record time kept in an envelope header.
func envelopeTime(value []byte) (time.Time, bool) {
	if len(value) < envHeaderAt || value[0] != envelopeVersion {
		return time.Time{}, false
	}
	return time.Unix(0, int64(binary.BigEndian.Uint64(value[envTimeAt:envHashAt]))).UTC(), true
}

// decodeRecord rebuilds a record from its key and envelope. The result
// shares no memory with value.
func decodeRecord(seq uint64, value []byte, dec *zstd.Decoder) (*evidence.Record, error) {
	if len(value) < envHeaderAt || value[0] != envelopeVersion {
		return nil, fmt.Errorf("decode record %d: bad envelope", seq)
	}
	canon, err := dec.DecodeAll(value[envHeaderAt:], nil)
	if err != nil {
		return nil, fmt.Errorf("decode record %d: %w", seq, err)
	}
	rec := new(evidence.Record)
	if err := json.Unmarshal(canon, rec); err != nil {
		return nil, fmt.Errorf("decode record %d: %w", seq, err)
	}
	rec.Seq = seq
	rec.Hash = hex.EncodeToString(value[envHashAt:envPrevAt])
	rec.PrevHash = hex.EncodeToString(value[envPrevAt:envHeaderAt])
	return rec, nil
}

func seqKey(seq uint64) []byte {
	return binary.BigEndian.AppendUint64(make([]byte, 0, 8), seq)
}

func putSeq(dst []byte, seq uint64) {
	binary.BigEndian.PutUint64(dst, seq)
}

// unixNanos is t.UnixNano clamped to the times it can represent
// (1678–2262), so that the zero time sorts first instead of overflowing.
func unixNanos(t time.Time) int64 {
	switch {
	case t.Before(time.Unix(0, math.MinInt64)):
		return math.MinInt64
	case t.After(time.Unix(0, math.MaxInt64)):
		return math.MaxInt64
	default:
		return t.UnixNano()
	}
}
