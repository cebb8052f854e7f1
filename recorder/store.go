package recorder

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/klauspost/compress/zstd"
	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// Store is the durable, redacted, hash-chained evidence log in one bbolt
// file. Record is safe for concurrent use; one writer goroutine owned by the
// Store commits. Close stops it.
type Store struct {
	path       string
	db         *bolt.DB
	readOnly   bool
	opts       Options
	log        *slog.Logger
	redactor   *Redactor
	enc        *zstd.Encoder
	dec        *zstd.Decoder
	bufs       *buffers
	instanceID string
	metrics    *metrics

	// head is the last committed record, published by the writer.
	head atomic.Pointer[head]
	// health is nil while healthy, else the commit failure.
	health atomic.Pointer[error]

	// mu guards closed against the close of in: producers send holding
	// the read lock.
	mu          sync.RWMutex
	closed      bool
	in          chan *job
	kick        chan struct{}
	lost        atomic.Uint64
	queuedBytes atomic.Int64
	held        atomic.Int64 // records held by the writer for retry
	refusals    refusals     // calls refused during an outage (outage.go)

	w          *writer
	writerDone chan struct{}
	abandon    chan struct{}
	closeOnce  sync.Once
	closeErr   error
}

// Open opens the store at path, creating it (and its directory, mode 0700)
// if needed, checks its chain head and starts its writer. It fails with
// ErrLocked after opts.LockTimeout when another process holds the file.
func Open(path string, opts Options) (*Store, error) {
	opts = opts.withDefaults()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		if err := createStoreFile(path, opts); err != nil {
			return nil, fmt.Errorf("open store %s: %w", path, err)
		}
	}
	red := opts.Redactor
	if red == nil {
		var err error
		if red, err = randomRedactor(); err != nil {
			return nil, fmt.Errorf("open store: %w", err)
		}
	}
	s, err := openStore(path, opts, false)
	if err != nil {
		return nil, err
	}
	s.redactor = red
	s.in = make(chan *job, opts.QueueSize)
	s.kick = make(chan struct{}, 1)
	s.writerDone = make(chan struct{})
	s.abandon = make(chan struct{})
	if s.metrics, err = newMetrics(opts.Registerer, s); err != nil {
		_ = s.closeFiles()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	h := s.head.Load()
	s.metrics.lastSeq.Set(float64(h.seq))
	s.w = newWriter(s, *h)
	if err := s.w.markOpen(); err != nil {
		s.metrics.unregister()
		_ = s.closeFiles()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	s.removeStaleSnapshots()
	go s.w.run()
	return s, nil
}

// randomRedactor is the redactor of a store opened without one: records
// are still redacted, but fingerprints do not correlate across restarts.
func randomRedactor() (*Redactor, error) {
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	return NewRedactor(key, RedactOptions{})
}

// OpenReadOnly opens an existing store file, or a snapshot of one, for
// reading (coverage, export, verification). It creates nothing, checks the
// chain head, and fails with ErrLocked when a running proxy holds the file:
// read a running store through its /snapshot instead.
func OpenReadOnly(path string) (*Store, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	return openStore(path, Options{LockTimeout: time.Second}.withDefaults(), true)
}

func openStore(path string, opts Options, readOnly bool) (*Store, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout:      opts.LockTimeout,
		ReadOnly:     readOnly,
		FreelistType: bolt.FreelistMapType,
		// The freelist is rebuilt at open instead of written by every
		// commit: one page less to write and sync per group commit.
		NoFreelistSync:  true,
		InitialMmapSize: opts.InitialMmapSize,
		MaxSize:         opts.MaxSize,
		PageSize:        pageSize,
	})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("open store %s: %w (waited %s)", path, ErrLocked, opts.LockTimeout)
	}
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	s := &Store{path: path, db: db, readOnly: readOnly, opts: opts, log: opts.Logger, bufs: newBuffers()}
	if err := s.initCodecs(); err != nil {
		_ = s.closeFiles()
		return nil, err
	}
	var m storeMeta
	err = db.View(func(tx *bolt.Tx) error {
		if m, err = readMeta(tx); err != nil {
			return err
		}
		return checkHead(tx, m.head, s.dec)
	})
	if err != nil {
		_ = s.closeFiles()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	s.instanceID = m.instanceID
	s.head.Store(&m.head)
	return s, nil
}

func (s *Store) initCodecs() error {
	var err error
	// The fastest level without the entropy stage: building Huffman and
	// FSE tables for every record of a few KiB cost twice the matching
	// itself, for a quarter less size. The store is the working copy;
	// bundles, the archive, are compressed as one stream.
	s.enc, err = zstd.NewWriter(nil,
		zstd.WithEncoderLevel(zstd.SpeedFastest),
		zstd.WithNoEntropyCompression(true),
		zstd.WithEncoderConcurrency(runtime.GOMAXPROCS(0)),
		zstd.WithWindowSize(1<<20),
		zstd.WithLowerEncoderMem(true))
	if err != nil {
		return fmt.Errorf("create encoder: %w", err)
	}
	s.dec, err = zstd.NewReader(nil,
		zstd.WithDecoderConcurrency(0),
		zstd.WithDecoderMaxMemory(maxRecordBytes))
	if err != nil {
		return fmt.Errorf("create decoder: %w", err)
	}
	return nil
}

// createStoreFile makes a new store under a temporary name and links it
// into place once its buckets and metadata are synced, so a crash during
// creation never leaves a half-made store at path.
func createStoreFile(path string, opts Options) error {
	var suffix [6]byte
	if _, err := rand.Read(suffix[:]); err != nil {
		return fmt.Errorf("create store: %w", err)
	}
	tmp := path + ".init-" + hex.EncodeToString(suffix[:])
	defer func() { _ = os.Remove(tmp) }()
	db, err := bolt.Open(tmp, 0o600, &bolt.Options{Timeout: opts.LockTimeout, PageSize: pageSize})
	if err != nil {
		return fmt.Errorf("create store: %w", err)
	}
	if err := db.Update(func(tx *bolt.Tx) error { return initSchema(tx, opts.Now()) }); err != nil {
		_ = db.Close()
		return fmt.Errorf("create store: %w", err)
	}
	if err := db.Close(); err != nil {
		return fmt.Errorf("create store: %w", err)
	}
	// Link fails if another process created the store meanwhile: use its.
	if err := os.Link(tmp, path); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("create store: %w", err)
	}
	return syncDir(filepath.Dir(path))
}

// Path returns the store file's path.
func (s *Store) Path() string { return s.path }

// InstanceID returns the random id the store was created with; it names
// this store's chain in bundles.
func (s *Store) InstanceID() string { return s.instanceID }

// Head returns the sequence number and hash of the last committed record
// (0 and evidence.GenesisHash for an empty store).
func (s *Store) Head() (seq uint64, hash string) {
	h := s.head.Load()
	return h.seq, h.hash
}

// Healthy returns nil while the store commits, and an error wrapping
// ErrStoreUnavailable from a failed commit until a later one succeeds.
func (s *Store) Healthy() error {
	if e := s.health.Load(); e != nil {
		return *e
	}
	return nil
}

// Stats are a summary of the store.
type Stats struct {
	// Records is the number of committed records (the head sequence).
	Records uint64
	// FileBytes is the size of the store file.
	FileBytes int64
}

// Stats returns the record count and file size.
func (s *Store) Stats() (Stats, error) {
	h := s.head.Load()
	fi, err := os.Stat(s.path)
	if err != nil {
		return Stats{Records: h.seq}, fmt.Errorf("stat store: %w", err)
	}
	return Stats{Records: h.seq, FileBytes: fi.Size()}, nil
}

// Close stops accepting records, commits everything queued, stops the
// writer and closes the file. If the store is failing, Close keeps
// retrying until ctx is done, then gives up and reports how many records
// were not committed. Close is idempotent.
func (s *Store) Close(ctx context.Context) error {
	s.closeOnce.Do(func() { s.closeErr = s.close(ctx) })
	return s.closeErr
}

func (s *Store) close(ctx context.Context) error {
	var errs []error
	if !s.readOnly {
		s.mu.Lock()
		s.closed = true
		close(s.in)
		s.mu.Unlock()
		select {
		case <-s.writerDone:
		case <-ctx.Done():
			close(s.abandon)
			<-s.writerDone
		}
		// Refusals counted from now on would be in no gap record:
		// callers get ErrClosed instead.
		s.refusals.mu.Lock()
		s.refusals.active = false
		s.refusals.mu.Unlock()
		if err := s.w.markClosed(); err != nil {
			errs = append(errs, err)
		}
		s.metrics.unregister()
	}
	if err := s.closeFiles(); err != nil {
		errs = append(errs, fmt.Errorf("close store: %w", err))
	}
	return errors.Join(errs...)
}

// closeFiles releases the codecs and the bbolt file.
func (s *Store) closeFiles() error {
	if s.enc != nil {
		s.enc.Close()
	}
	if s.dec != nil {
		s.dec.Close()
	}
	return s.db.Close()
}

func (s *Store) countError(op string) {
	if s.metrics != nil {
		s.metrics.errors.WithLabelValues(op).Inc()
	}
}
