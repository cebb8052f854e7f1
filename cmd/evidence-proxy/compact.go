package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/evidence-proxy/evidence-proxy/recorder"
)

// compactOptions are the compact command's flags.
type compactOptions struct {
	store storeFlags
	out   string
}

// newCompactCmd is "evidence-proxy compact": give back the space of a
// stopped store's free pages (a store that grew while a reader pinned it
// keeps its size otherwise).
func newCompactCmd() *cobra.Command {
	var o compactOptions
	cmd := &cobra.Command{
		Use:   "compact [flags]",
		Short: "compact a stopped store, giving back the space of its free pages",
		Long: `Compact a stopped store: copy every record into fresh, full pages, verify the copy
(same instance id, chain head and run state; every record decodes and chains to the
head), then put it in place. The previous file is kept beside it as a backup until you
delete it. With --out the compacted copy is written there and the store is left as it
is. A store held by a running sidecar is refused: stop the sidecar first. Needs free
space for a full copy.`,
		Example: `  evidence-proxy compact --data-dir ./evidence-data
  evidence-proxy compact --db evidence-data/evidence.db --out /backup/evidence-compacted.db`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd.OutOrStdout()) },
	}
	o.store.bind(cmd.Flags())
	cmd.Flags().StringVar(&o.out, "out", "", "write the compacted copy to this new `FILE` and leave the store as it is")
	return cmd
}

func (o *compactOptions) run(stdout io.Writer) error {
	src := o.store.path()
	before, err := fileSize(src)
	if err != nil {
		return fmt.Errorf("compact: %w", err)
	}
	if o.out != "" {
		if err := compactStore(src, o.out); err != nil {
			return err
		}
		after, err := fileSize(o.out)
		if err != nil {
			return fmt.Errorf("compact: %w", err)
		}
		_, err = fmt.Fprintf(stdout, "wrote %s: %d bytes (%s is %d bytes, unchanged)\n", o.out, after, src, before)
		return err
	}
	backup, err := compactInPlace(src, time.Now())
	if err != nil {
		return err
	}
	after, err := fileSize(src)
	if err != nil {
		return fmt.Errorf("compact: %w", err)
	}
	_, err = fmt.Fprintf(stdout, "compacted %s: %d → %d bytes\nthe previous file is kept as %s: delete it once the sidecar has started on the compacted store\n",
		src, before, after, backup)
	return err
}

// compactStore is recorder.Compact with the advice a running store needs.
func compactStore(src, dst string) error {
	err := recorder.Compact(src, dst)
	if errors.Is(err, recorder.ErrLocked) {
		return fmt.Errorf("%w\na running sidecar holds the store: stop it first (compaction needs the store to itself)", err)
	}
	return err
}

// compactInPlace compacts src into a new file beside it, moves src to a
// backup name and the compacted copy to src, and returns the backup's
// name. A sidecar that opened src while it was being compacted would keep
// writing to the backup: that is checked after the swap (the backup must
// be unlocked and end at the compacted copy's head), and the swap is
// undone when it fails, so no record is ever left out of the store.
func compactInPlace(src string, now time.Time) (string, error) {
	stamp := now.UTC().Format("20060102T150405Z")
	tmp, backup := src+".compact-"+stamp, src+".before-compact-"+stamp
	if err := compactStore(src, tmp); err != nil {
		return "", err
	}
	if err := os.Rename(src, backup); err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("compact: %w", err)
	}
	if err := os.Rename(tmp, src); err != nil {
		return "", errors.Join(fmt.Errorf("compact: %w", err), restoreStore(backup, src))
	}
	if err := sameHead(backup, src); err != nil {
		return "", errors.Join(fmt.Errorf("compact: %w; the store was put back as it was", err), restoreStore(backup, src))
	}
	return backup, nil
}

// sameHead checks that nothing holds the old file and that it ends where
// the compacted copy does.
func sameHead(old, compacted string) error {
	seqA, hashA, err := storeHead(old)
	if err != nil {
		return fmt.Errorf("reopen the previous store: %w (did a sidecar start during compaction?)", err)
	}
	seqB, hashB, err := storeHead(compacted)
	if err != nil {
		return fmt.Errorf("open the compacted store: %w", err)
	}
	if seqA != seqB || hashA != hashB {
		return fmt.Errorf("the store changed during compaction (head %d, the copy's %d)", seqA, seqB)
	}
	return nil
}

// storeHead opens a stopped store read-only and returns its chain head.
func storeHead(path string) (uint64, string, error) {
	s, err := recorder.OpenReadOnly(path)
	if err != nil {
		return 0, "", err
	}
	seq, hash := s.Head()
	return seq, hash, s.Close(context.Background())
}

// restoreStore moves the backup back to the store's name.
func restoreStore(backup, src string) error {
	if err := os.Rename(backup, src); err != nil {
		return fmt.Errorf("put the store back: %w: it is %s now, move it to %s", err, backup, src)
	}
	return nil
}

func fileSize(path string) (int64, error) {
	info, err := os.Stat(path)
	if err != nil {
		return 0, err
	}
	return info.Size(), nil
}
