package recorder

import "golang.org/x/sys/unix"

// releaseMapped drops this process's page-table entries for the first size
// bytes of the store file's memory map (MADV_DONTNEED).
//
// bbolt reads pages through a shared, read-only map of the file, and the
// kernel's fault-around maps the neighbouring, freshly written pages on
// every read fault. Without this the process's resident size would grow
// with the store: clean page-cache pages, but counted as the sidecar's RSS
// (and its container's working set). Dropping the entries is safe at any
// moment: the file and the page cache are untouched, and a later read
// faults the page back in. It must run where the map cannot move: on the
// writer goroutine (the only one that can remap the file) or inside a
// read transaction (which holds bbolt's map lock).
func (s *Store) releaseMapped(size int64) {
	info := s.db.Info()
	n := uintptr(size) &^ uintptr(unix.Getpagesize()-1)
	if n == 0 {
		return
	}
	_, _, errno := unix.Syscall(unix.SYS_MADVISE, info.Data, n, unix.MADV_DONTNEED)
	if errno != 0 {
		s.countError("release")
	}
}
