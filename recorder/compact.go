package recorder

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	bolt "go.etcd.io/bbolt"
)

// compactTxBytes bounds the data copied per transaction of a compaction.
const compactTxBytes = 64 << 20

// Compact writes a compacted copy of the stopped store at src to dst,
// which must not exist: every bucket and key copied into fresh, full
// pages, so the space a store's free pages took (after a long-held read,
// say) is given back. src is not changed; swap the files yourself once
// Compact has returned nil.
//
// The copy is made under a temporary name beside dst and checked before
// it is linked into place: it opens as a store, its meta bucket equals
// src's key for key (instance id, chain head, run state), and every
// record decodes and chains to the head. Compact fails with ErrLocked
// when a running proxy holds src. It needs free space for a full copy.
func Compact(src, dst string) error {
	if err := compact(src, dst); err != nil {
		return fmt.Errorf("compact store %s: %w", src, err)
	}
	return nil
}

func compact(src, dst string) error {
	if _, err := os.Lstat(dst); err == nil {
		return fmt.Errorf("the compacted copy must be a new file: %s: %w", dst, fs.ErrExist)
	}
	in, err := OpenReadOnly(src)
	if err != nil {
		return err
	}
	defer func() { _ = in.Close(context.Background()) }()
	tmp, err := compactInto(in, dst)
	if tmp != "" {
		defer func() { _ = os.Remove(tmp) }()
	}
	if err != nil {
		return err
	}
	if err := verifyCompacted(in, tmp); err != nil {
		return fmt.Errorf("verify compacted copy: %w", err)
	}
	if err := os.Link(tmp, dst); err != nil {
		return fmt.Errorf("link compacted copy: %w", err)
	}
	return syncDir(filepath.Dir(dst))
}

// compactInto copies in into a temporary file beside dst and syncs it; it
// returns the file's name (also on failure, for removal).
func compactInto(in *Store, dst string) (string, error) {
	var suffix [6]byte
	if _, err := rand.Read(suffix[:]); err != nil {
		return "", err
	}
	tmp := dst + ".compact-" + hex.EncodeToString(suffix[:])
	out, err := bolt.Open(tmp, 0o600, &bolt.Options{
		PageSize: pageSize, FreelistType: bolt.FreelistMapType, NoFreelistSync: true,
		// One sync at the end instead of one per intermediate commit.
		NoSync: true,
	})
	if err != nil {
		return "", fmt.Errorf("create compacted copy: %w", err)
	}
	if err := bolt.Compact(out, in.db, compactTxBytes); err != nil {
		_ = out.Close()
		return tmp, fmt.Errorf("copy records: %w", err)
	}
	if err := out.Sync(); err != nil {
		_ = out.Close()
		return tmp, fmt.Errorf("sync compacted copy: %w", err)
	}
	if err := out.Close(); err != nil {
		return tmp, fmt.Errorf("close compacted copy: %w", err)
	}
	return tmp, nil
}

// verifyCompacted checks the copy at path against the store it was made
// from: same meta bucket, and a chain that verifies up to the same head.
func verifyCompacted(in *Store, path string) error {
	out, err := OpenReadOnly(path)
	if err != nil {
		return err
	}
	defer func() { _ = out.Close(context.Background()) }()
	want, err := metaOf(in.db)
	if err != nil {
		return err
	}
	got, err := metaOf(out.db)
	if err != nil {
		return err
	}
	if err := sameMeta(got, want); err != nil {
		return err
	}
	return out.VerifyChain(context.Background())
}

func metaOf(db *bolt.DB) (map[string][]byte, error) {
	m := map[string][]byte{}
	err := db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).ForEach(func(k, v []byte) error {
			m[string(k)] = bytes.Clone(v)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("read meta: %w", err)
	}
	return m, nil
}

func sameMeta(got, want map[string][]byte) error {
	if len(got) != len(want) {
		return fmt.Errorf("meta has %d keys, the source %d", len(got), len(want))
	}
	for k, v := range want {
		if !bytes.Equal(got[k], v) {
			return fmt.Errorf("meta key %s differs from the source", k)
		}
	}
	return nil
}
