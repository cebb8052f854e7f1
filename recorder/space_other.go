//go:build !linux

package recorder

// freeSpace is unknown where statfs is not used; see space_linux.go.
func freeSpace(string) (int64, bool) { return 0, false }
