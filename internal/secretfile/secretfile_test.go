package secretfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func writeFile(t *testing.T, content string, mode os.FileMode) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestCheckPrivate(t *testing.T) {
	tests := []struct {
		mode    os.FileMode
		private bool
	}{
		{0o600, true},
		{0o400, true},
		{0o700, true},
		{0o640, false}, // owned by the test's own user: the group bit is a mistake
		{0o660, false},
		{0o644, false},
		{0o604, false},
		{0o666, false},
	}
	for _, tt := range tests {
		t.Run(tt.mode.String(), func(t *testing.T) {
			path := writeFile(t, "k", tt.mode)
			err := CheckPrivate(path)
			if tt.private {
				if err != nil {
					t.Fatalf("CheckPrivate(%04o) = %v, want nil", tt.mode, err)
				}
				return
			}
			var npe *NotPrivateError
			if !errors.As(err, &npe) || !errors.Is(err, ErrNotPrivate) {
				t.Fatalf("CheckPrivate(%04o) = %v, want a *NotPrivateError", tt.mode, err)
			}
			for _, want := range []string{path, "readable by group or others", "chmod 600 " + path} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("message %q lacks %q", err, want)
				}
			}
		})
	}
}

func TestCheckPrivateNotAFile(t *testing.T) {
	if err := CheckPrivate(t.TempDir()); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("directory: %v", err)
	}
	if err := CheckPrivate(filepath.Join(t.TempDir(), "nope")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

// fakeInfo is a file with a chosen mode and owner.
type fakeInfo struct {
	mode fs.FileMode
	uid  uint32
}

func (f fakeInfo) Name() string       { return "key" }
func (f fakeInfo) Size() int64        { return 1 }
func (f fakeInfo) Mode() fs.FileMode  { return f.mode }
func (f fakeInfo) ModTime() time.Time { return time.Time{} }
func (f fakeInfo) IsDir() bool        { return false }
func (f fakeInfo) Sys() any           { return &syscall.Stat_t{Uid: f.uid} }

// TestGroupReadableSharedByRoot: a root-owned key the group may read is how
// Kubernetes (fsGroup) and Debian (ssl-cert) share a key with one service;
// it is accepted only for a process that is not root itself, and never
// when others may read it.
func TestGroupReadableSharedByRoot(t *testing.T) {
	tests := []struct {
		name    string
		mode    fs.FileMode
		owner   uint32
		euid    int
		private bool
	}{
		{"root-owned 0440, service user", 0o440, 0, 65532, true},
		{"root-owned 0640, service user", 0o640, 0, 65532, true},
		{"root-owned 0640, root process", 0o640, 0, 0, false},
		{"service-owned 0440", 0o440, 65532, 65532, false},
		{"root-owned 0444", 0o444, 0, 65532, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := check("key", fakeInfo{mode: tt.mode, uid: tt.owner}, tt.euid)
			if got := err == nil; got != tt.private {
				t.Errorf("check = %v, want private %v", err, tt.private)
			}
		})
	}
}

func TestReadToken(t *testing.T) {
	tests := []struct {
		name, content, want, wantErr string
		mode                         os.FileMode
	}{
		{name: "trailing newline", content: "s3cr3t\n", want: "s3cr3t", mode: 0o600},
		{name: "crlf", content: "s3cr3t\r\n", want: "s3cr3t", mode: 0o600},
		{name: "no newline", content: "s3cr3t", want: "s3cr3t", mode: 0o400},
		{name: "only the last newline goes", content: "a b\n\n", want: "a b\n", mode: 0o600},
		{name: "empty", content: "", wantErr: "empty", mode: 0o600},
		{name: "only a newline", content: "\n", wantErr: "empty", mode: 0o600},
		{name: "world-readable", content: "s3cr3t\n", wantErr: "chmod 600", mode: 0o644},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadToken(writeFile(t, tt.content, tt.mode))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ReadToken = %q, %v; want an error containing %q", got, err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "s3cr3t") {
					t.Errorf("the error shows the secret: %v", err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ReadToken = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}
