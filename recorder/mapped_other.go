//go:build !linux

package recorder

// releaseMapped is a no-op where MADV_DONTNEED is not used; see
// mapped_linux.go.
func (s *Store) releaseMapped(int64) {}
