package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// accessLogStderr is the --access-log value that writes to stderr.
const accessLogStderr = "-"

// checkAccessLog is the preflight check of --access-log: stderr, or a
// file serve can append to, in a directory that exists (or is the data
// directory, which a start creates). It creates nothing: an existing file
// is opened for appending without O_CREATE and closed at once.
func checkAccessLog(path, dataDir string) (string, error) {
	switch path {
	case "":
		return "off", nil
	case accessLogStderr:
		return "JSON lines on stderr, beside the log", nil
	}
	info, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if filepath.Clean(filepath.Dir(path)) == filepath.Clean(dataDir) {
			return path + ": created at start, in the data directory", nil
		}
		dir, err := os.Stat(filepath.Dir(path))
		if err != nil || !dir.IsDir() {
			return "", fmt.Errorf("--access-log %s: its directory %s does not exist", path, filepath.Dir(path))
		}
		return path + ": created at start", nil
	case err != nil:
		return "", fmt.Errorf("--access-log: %w", err)
	case !info.Mode().IsRegular():
		return "", fmt.Errorf("--access-log %s: not a regular file", path)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return "", fmt.Errorf("--access-log: %w", err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("--access-log: %w", err)
	}
	return path + ": appended to", nil
}

// accessLog is the writer the proxy's access log goes to, and how to
// release it once the proxy has flushed it (at Shutdown).
type accessLog struct {
	w     io.Writer // nil: no access log
	close func() error
}

// openAccessLog opens --access-log once the start's checks have passed:
// nothing for "", stderr for "-" (one whole line per write, so lines never
// interleave with log lines), else the file, appended to, mode 0600.
func openAccessLog(path string, stderr io.Writer) (accessLog, error) {
	switch path {
	case "":
		return accessLog{close: func() error { return nil }}, nil
	case accessLogStderr:
		return accessLog{w: &wholeLines{w: stderr}, close: func() error { return nil }}, nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return accessLog{}, fmt.Errorf("open access log: %w", err)
	}
	return accessLog{w: f, close: f.Close}, nil
}

// wholeLines hands w one complete line per Write, keeping a partial line
// until its end arrives: the proxy's access log writes buffered chunks,
// and a chunk cut mid-line must not interleave with the log lines that
// share stderr. Only the access log's writer goroutine calls Write.
type wholeLines struct {
	w       io.Writer
	partial []byte
}

func (l *wholeLines) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			l.partial = append(l.partial, p...)
			return n, nil
		}
		line := p[:i+1]
		if len(l.partial) > 0 {
			line = append(l.partial, line...)
			l.partial = l.partial[:0]
		}
		if _, err := l.w.Write(line); err != nil {
			return n - len(p), err
		}
		p = p[i+1:]
	}
	return n, nil
}
