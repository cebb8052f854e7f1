package recorder

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// Durability says when Record returns.
type Durability int

const (
	// Sync (the default): Record returns once the record is committed and
	// fsynced. A response the app receives after that is never lost.
	Sync Durability = iota
	// Async: Record queues the record and returns. A crash loses what was
	// still queued; a full queue turns into a gap record, never a silent
	// hole.
	Async
)

// String returns "sync" or "async".
func (d Durability) String() string {
	switch d {
	case Sync:
		return "sync"
	case Async:
		return "async"
	default:
		return fmt.Sprintf("Durability(%d)", int(d))
	}
}

// MarshalText implements encoding.TextMarshaler.
func (d Durability) MarshalText() ([]byte, error) {
	if d != Sync && d != Async {
		return nil, fmt.Errorf("marshal durability: unknown value %d", int(d))
	}
	return []byte(d.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler (for configuration
// files), accepting what ParseDurability accepts.
func (d *Durability) UnmarshalText(text []byte) error {
	v, err := ParseDurability(string(text))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// ParseDurability parses "sync" or "async".
func ParseDurability(s string) (Durability, error) {
	switch s {
	case "sync", "":
		return Sync, nil
	case "async":
		return Async, nil
	default:
		return Sync, fmt.Errorf("parse durability %q: want sync or async", s)
	}
}

// Options configure a Store. The zero value is safe: sync durability, a
// redactor with a random key, no logs, no metrics.
type Options struct {
	Durability Durability
	// QueueSize bounds the records waiting for the writer (and, after a
	// commit failure, the records held for retry). Default 4096.
	QueueSize int
	// QueueBytes bounds the encoded size of queued async records, so large
	// bodies cannot exhaust memory. Default 64 MiB.
	QueueBytes int64
	// LockTimeout is how long Open waits for another process to release
	// the store file before failing. Default 2s.
	LockTimeout time.Duration
	// MaxSize caps the store file (bbolt MaxSize): growth past it fails
	// like a full disk. 0 means no cap.
	MaxSize int
	// InitialMmapSize is the initial memory map of the file; read
	// transactions block a commit only when the file outgrows it. Default
	// 1 GiB (address space only).
	InitialMmapSize int
	// CommitInterval, with async durability, is how long the writer
	// lets records gather after the first one arrives, so that many share
	// one transaction and one fsync (not when a full batch is queued
	// already). It bounds what a crash can lose on top of the queue.
	// Default 5ms; sync durability never waits (each commit takes
	// whatever queued while the previous one was syncing). Negative:
	// never wait.
	CommitInterval time.Duration
	// RetryInterval is the first wait before retrying a failed commit; it
	// doubles up to 5s, so a store that can commit again is found within
	// 5s. Default 100ms.
	RetryInterval time.Duration
	// After is the store's timer: the retry backoff and the async
	// CommitInterval. Default time.After; tests pass one they fire
	// themselves.
	After func(d time.Duration) <-chan time.Time
	// SnapshotReserve is the free space a snapshot must leave in the
	// store's directory once its temporary copy is written, so that a
	// snapshot never takes the space the store commits into: a snapshot
	// that would leave less fails before copying. Default 64 MiB;
	// negative: no check.
	SnapshotReserve int64
	// Redactor redacts every record before it is encoded. Nil means a
	// redactor with a random key: records are never stored unredacted,
	// but fingerprints then do not correlate across restarts.
	Redactor *Redactor
	// Logger receives store health changes: one line when an outage
	// starts, a summary at most every 30s while it lasts, one when it
	// ends. Nil discards.
	Logger *slog.Logger
	// Registerer receives the store metrics. Nil registers none.
	Registerer prometheus.Registerer
	// Now stamps records that have no Time and gap records. Default
	// time.Now.
	Now func() time.Time
	// OnCommit, when set, is called by the writer goroutine after each
	// commit, once the Record calls waiting on that commit have been
	// released, with the committed records in sequence order: redacted and
	// sealed (Seq, PrevHash and Hash set). It is the live feed for
	// coverage. It must not modify the records or keep the slice, should
	// be quick (it delays the next commit) and must not call Record in
	// Sync mode (deadlock).
	OnCommit func(recs []*evidence.Record)
	// CommitHook, when set, is called inside every write transaction just
	// before it commits, with the number of records in it; a non-nil
	// error aborts the transaction as a failed commit would (full disk,
	// I/O error). It exists for fault-injection tests.
	CommitHook func(records int) error
}

const (
	defaultQueueSize       = 4096
	defaultQueueBytes      = 64 << 20
	defaultLockTimeout     = 2 * time.Second
	defaultInitialMmapSize = 1 << 30
	defaultRetryInterval   = 100 * time.Millisecond
	defaultCommitInterval  = 5 * time.Millisecond
	defaultSnapshotReserve = 64 << 20
	maxRetryInterval       = 5 * time.Second
	// maxBatch is the most records committed in one transaction.
	maxBatch = 256
	// readChunk is the most records read in one read transaction.
	readChunk = 256
	// maxRecordBytes caps a decompressed record, so a corrupt frame cannot
	// claim unbounded memory.
	maxRecordBytes = 256 << 20
)

func (o Options) withDefaults() Options {
	if o.QueueSize <= 0 {
		o.QueueSize = defaultQueueSize
	}
	if o.QueueBytes <= 0 {
		o.QueueBytes = defaultQueueBytes
	}
	if o.LockTimeout <= 0 {
		o.LockTimeout = defaultLockTimeout
	}
	if o.InitialMmapSize <= 0 {
		o.InitialMmapSize = defaultInitialMmapSize
	}
	if o.RetryInterval <= 0 {
		o.RetryInterval = defaultRetryInterval
	}
	if o.CommitInterval == 0 {
		o.CommitInterval = defaultCommitInterval
	}
	if o.After == nil {
		o.After = time.After
	}
	if o.SnapshotReserve == 0 {
		o.SnapshotReserve = defaultSnapshotReserve
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Errors returned by the store. Test them with errors.Is.
var (
	// ErrStoreUnavailable means the store cannot commit (full disk, I/O
	// error). Healthy returns it until a commit succeeds again.
	ErrStoreUnavailable = errors.New("evidence store unavailable")
	// ErrLocked means another process (or another Store in this one) has
	// the file open.
	ErrLocked = errors.New("store is locked by another process")
	// ErrChainMismatch means the chain head kept in the store does not
	// match its last record: the file was changed outside the recorder.
	ErrChainMismatch = errors.New("store chain head mismatch")
	// ErrClosed is returned by calls on a closed Store.
	ErrClosed = errors.New("store is closed")
	// ErrReadOnly is returned by Record on a store opened read-only.
	ErrReadOnly = errors.New("store is read-only")
	// ErrQueueFull is returned by an async Record whose record could not
	// be queued; it is counted in the next gap record.
	ErrQueueFull = errors.New("record queue is full")
	// ErrSnapshotSpace is returned by Snapshot when its temporary copy
	// would leave less than Options.SnapshotReserve free.
	ErrSnapshotSpace = errors.New("not enough free space for a snapshot")
	// ErrSnapshotSend is wrapped by a snapshot that could not be written
	// to its reader (usually a client that hung up); the store is fine.
	ErrSnapshotSend = errors.New("snapshot could not be sent to its reader")
)
