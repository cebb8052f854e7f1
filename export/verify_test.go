package export

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/klauspost/compress/zstd"
)

// sampleBundle writes a bundle of n records of every shape and returns its
// path, the records and the key that signed it.
func sampleBundle(t testing.TB, n int) (string, []*evidence.Record, ed25519.PrivateKey) {
	t.Helper()
	recs := makeChain(t, 1, n, evidence.GenesisHash, testStart, time.Second)
	opts := testOptions("replica-a", "key-a")
	return mustWrite(t, t.TempDir(), "bundle.tar.zst", recs, opts), recs, opts.Signer
}

// writeRaw writes a zstd stream to path with whatever fn writes to it.
func writeRaw(t *testing.T, path string, fn func(zw io.Writer)) {
	t.Helper()
	var buf bytes.Buffer
	zw, err := zstd.NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	fn(zw)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyRejectsMalformedFiles(t *testing.T) {
	good, _, _ := sampleBundle(t, 12)
	goodBytes, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	members := readBundle(t, good)
	var plainTar bytes.Buffer
	tw := tar.NewWriter(&plainTar)
	for _, m := range members {
		tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: m.name, Mode: 0o644, Size: int64(len(m.data))})
		tw.Write(m.data)
	}
	tw.Close()

	tests := []struct {
		name  string
		write func(t *testing.T, path string)
		want  string
	}{
		{name: "empty file", write: bytesFile(nil), want: "empty file"},
		{name: "text file", write: bytesFile([]byte("hello, auditor\n")), want: "not zstd-compressed"},
		{name: "uncompressed tar", write: bytesFile(plainTar.Bytes()), want: "not zstd-compressed"},
		{name: "three bytes", write: bytesFile(goodBytes[:3]), want: "not zstd-compressed"},
		{name: "zstd header only", write: bytesFile(goodBytes[:10]), want: "not a valid bundle"},
		{name: "truncated to half", write: bytesFile(goodBytes[:len(goodBytes)/2]), want: ""},
		{name: "truncated by one byte", write: bytesFile(goodBytes[:len(goodBytes)-1]), want: ""},
		{name: "zstd of text", write: func(t *testing.T, p string) {
			writeRaw(t, p, func(zw io.Writer) { io.WriteString(zw, strings.Repeat("not a tar archive ", 100)) })
		}, want: "not a valid bundle"},
		{name: "manifest not first", write: withMembers(members, func(ms []bundleMember) []bundleMember {
			return append([]bundleMember{ms[2]}, append(ms[:2:2], ms[3:]...)...)
		}), want: "found where manifest.json must be"},
		{name: "missing member", write: withMembers(members, func(ms []bundleMember) []bundleMember {
			return append(ms[:6:6], ms[7:]...)
		}), want: "member coverage.md: missing"},
		{name: "matrix not third", write: withMembers(members, func(ms []bundleMember) []bundleMember {
			return append(append(ms[:2:2], ms[3]), append([]bundleMember{ms[2]}, ms[4:]...)...)
		}), want: "member records.jsonl: found where matrix.yaml must be"},
		{name: "no matrix", write: withMembers(members, func(ms []bundleMember) []bundleMember {
			return ms[:2]
		}), want: "member matrix.yaml: missing"},
		{name: "extra member", write: withMembers(members, func(ms []bundleMember) []bundleMember {
			return append(ms, bundleMember{"notes.txt", []byte("x")})
		}), want: "member notes.txt: not listed in the manifest"},
		{name: "duplicated member", write: withMembers(members, func(ms []bundleMember) []bundleMember {
			return append(ms, ms[4])
		}), want: "member traces.har: appears twice"},
		{name: "duplicated matrix", write: withMembers(members, func(ms []bundleMember) []bundleMember {
			return append(ms, ms[2])
		}), want: "member matrix.yaml: appears twice"},
		{name: "members reordered after the matrix", write: withMembers(members, func(ms []bundleMember) []bundleMember {
			return []bundleMember{ms[0], ms[1], ms[2], ms[7], ms[6], ms[5], ms[4], ms[3]}
		}), want: ""}, // allowed: accepted below
		{name: "symlink member", write: func(t *testing.T, p string) {
			writeRaw(t, p, func(zw io.Writer) {
				tw := tar.NewWriter(zw)
				tw.WriteHeader(&tar.Header{Typeflag: tar.TypeSymlink, Name: MemberManifest, Linkname: "/etc/passwd"})
				tw.Close()
			})
		}, want: "not a regular file"},
		{name: "huge claimed manifest", write: func(t *testing.T, p string) {
			writeRaw(t, p, func(zw io.Writer) {
				tw := tar.NewWriter(zw)
				tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: MemberManifest, Mode: 0o644, Size: 1 << 40})
				tw.Flush()
			})
		}, want: "more than the 16777216 allowed"},
		{name: "huge claimed records", write: func(t *testing.T, p string) {
			writeRaw(t, p, func(zw io.Writer) {
				tw := tar.NewWriter(zw)
				for _, m := range members[:3] {
					tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: m.name, Mode: 0o644, Size: int64(len(m.data))})
					tw.Write(m.data)
				}
				tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: MemberRecords, Mode: 0o644, Size: 1 << 40})
				tw.Flush()
			})
		}, want: "member records.jsonl: size 1099511627776, the manifest says"},
		{name: "no records member", write: withMembers(members, func(ms []bundleMember) []bundleMember {
			return ms[:3]
		}), want: "member records.jsonl: missing"},
		{name: "data after the archive", write: func(t *testing.T, p string) {
			writeRaw(t, p, func(zw io.Writer) {
				tw := tar.NewWriter(zw)
				for _, m := range members {
					tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: m.name, Mode: 0o644, Size: int64(len(m.data))})
					tw.Write(m.data)
				}
				tw.Close()
				io.WriteString(zw, "appended")
			})
		}, want: "data after the end of the archive"},
		{name: "second zstd frame appended", write: func(t *testing.T, p string) {
			var extra bytes.Buffer
			zw, _ := zstd.NewWriter(&extra)
			zw.Write([]byte("more"))
			zw.Close()
			bytesFile(append(append([]byte{}, goodBytes...), extra.Bytes()...))(t, p)
		}, want: "data after the end of the archive"},
		{name: "window larger than allowed", write: func(t *testing.T, p string) {
			var buf bytes.Buffer
			zw, _ := zstd.NewWriter(&buf, zstd.WithWindowSize(256<<20), zstd.WithEncoderConcurrency(1))
			zw.Write(plainTar.Bytes())
			zw.Flush() // not a single segment: the frame header declares the window
			zw.Write(plainTar.Bytes())
			zw.Close()
			bytesFile(buf.Bytes())(t, p)
		}, want: "window size exceeded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "b.tar.zst")
			tt.write(t, path)
			_, err := Verify(context.Background(), path, verifyOpts())
			if tt.name == "members reordered after the matrix" {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrInvalidBundle) {
				t.Fatalf("Verify error = %v, want an ErrInvalidBundle", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Verify error = %q, want it to contain %q", err, tt.want)
			}

		})
	}
}

func bytesFile(data []byte) func(*testing.T, string) {
	return func(t *testing.T, path string) {
		t.Helper()
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

func withMembers(members []bundleMember, edit func([]bundleMember) []bundleMember) func(*testing.T, string) {
	return func(t *testing.T, path string) {
		t.Helper()
		writeMembers(t, path, edit(append([]bundleMember{}, members...)))
	}
}

func TestVerifyMissingFile(t *testing.T) {
	_, err := Verify(context.Background(), filepath.Join(t.TempDir(), "nope.tar.zst"), verifyOpts())
	if !errors.Is(err, fs.ErrNotExist) || errors.Is(err, ErrInvalidBundle) {
		t.Fatalf("Verify error = %v, want a not-exist error that is not ErrInvalidBundle", err)
	}
}

func TestVerifyPinnedKey(t *testing.T) {
	path, _, key := sampleBundle(t, 5)
	tests := []struct {
		name    string
		pub     ed25519.PublicKey
		wantErr string
	}{
		{name: "the signing key", pub: key.Public().(ed25519.PublicKey)},
		{name: "another key", pub: testKey("someone else").Public().(ed25519.PublicKey), wantErr: "signed by a key that is not pinned"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := unpinnedOpts()
			opts.PublicKey = tt.pub
			res, err := Verify(context.Background(), path, opts)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				if !res.Pinned || !res.Authenticated || !strings.Contains(res.Verdict, "signed by key "+KeyID(tt.pub)+" (pinned)") {
					t.Errorf("verdict = %q", res.Verdict)
				}
				return
			}
			var se *SignatureError
			if !errors.As(err, &se) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Verify error = %v, want a SignatureError containing %q", err, tt.wantErr)
			}
		})
	}
}

// TestVerifyDerivedMembers: members re-signed by the legitimate key but not
// derived from the records (a buggy or dishonest exporter) are caught by
// recomputing them.
func TestVerifyDerivedMembers(t *testing.T) {
	path, _, key := sampleBundle(t, 9)
	tests := []struct {
		name   string
		member string
		edit   func([]byte) []byte
		opts   func(*VerifyOptions)
		want   string
	}{
		{name: "coverage.json claims more", member: CoverageJSON,
			edit: func(b []byte) []byte { return bytes.Replace(b, []byte(`"records":9`), []byte(`"records":10`), 1) },
			want: "member coverage.json: differs from the coverage recomputed from the records"},
		{name: "coverage.html edited", member: CoverageHTML,
			edit: func(b []byte) []byte { return append(b, "<!-- all met -->"...) },
			want: "member coverage.html: differs from the coverage recomputed"},
		{name: "HAR entry dropped", member: MemberHAR,
			edit: func(b []byte) []byte {
				i := bytes.Index(b, []byte("\n{"))
				j := bytes.Index(b[i+1:], []byte("\n{"))
				return append(append([]byte{}, b[:i]...), b[i+1+j:]...)
			},
			want: "member traces.har: differs from the HAR derived from the records"},
		{name: "verifier uses another matrix", member: CoverageMD, edit: func(b []byte) []byte { return b },
			opts: func(o *VerifyOptions) {
				c := newFakeCoverage()
				c.matrix.Version = "2"
				o.Coverage, o.Matrices = c, nil
			},
			want: "member matrix.yaml: the manifest's matrix test-matrix 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "b.tar.zst")
			rewriteBundle(t, path, out, key, func(ms []bundleMember) {
				for i := range ms {
					if ms[i].name == tt.member {
						ms[i].data = tt.edit(ms[i].data)
					}
				}
			})
			opts := unpinnedOpts()
			opts.PublicKey = key.Public().(ed25519.PublicKey)
			if tt.opts != nil {
				tt.opts(&opts)
			}
			_, err := Verify(context.Background(), out, opts)
			if !errors.Is(err, ErrInvalidBundle) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Verify error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

// rewriteBundle copies the bundle at in to out after edit changed its
// members (manifest and signature excluded), updating the manifest's member
// sizes and hashes. A nil key keeps the old signature; otherwise the
// manifest names key as its signer and is signed by it.
func rewriteBundle(t testing.TB, in, out string, key ed25519.PrivateKey, edit func([]bundleMember)) {
	t.Helper()
	ms := readBundle(t, in)
	edit(ms[2:])
	m, err := decodeManifest(MemberManifest, ms[0].data)
	if err != nil {
		t.Fatal(err)
	}
	for _, mem := range ms[2:] {
		for i := range m.Members {
			if m.Members[i].Name == mem.name {
				m.Members[i] = memberOf(mem.name, mem.data)
			}
		}
	}
	if key != nil {
		m.Signer = newManifest(m.Kind, &Options{Signer: key}, m.Matrix, nil).Signer
	}
	if ms[0].data, err = encodeManifest(m); err != nil {
		t.Fatal(err)
	}
	if key != nil {
		if ms[1].data, err = signManifest(key, ms[0].data); err != nil {
			t.Fatal(err)
		}
	}
	writeMembers(t, out, ms)
}
