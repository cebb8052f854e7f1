package proxy

import (
	"bytes"
	"encoding/base64"
	"testing"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zlib"
	"github.com/klauspost/compress/zstd"
)

func encode(t *testing.T, enc string, p []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	var w interface {
		Write([]byte) (int, error)
		Close() error
	}
	switch enc {
	case "gzip":
		w = gzip.NewWriter(&buf)
	case "zlib":
		w = zlib.NewWriter(&buf)
	case "flate":
		fw, err := flate.NewWriter(&buf, flate.BestSpeed)
		if err != nil {
			t.Fatal(err)
		}
		w = fw
	case "br":
		w = brotli.NewWriter(&buf)
	case "zstd":
		zw, err := zstd.NewWriter(&buf)
		if err != nil {
			t.Fatal(err)
		}
		w = zw
	}
	if _, err := w.Write(p); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestDecodeBody(t *testing.T) {
	d := &decoders{bufs: &bufferPool{max: 1 << 20}}
	plain := []byte(`{"pan":"4111111111111111","cvv":"123","status":"ACTIVE"}`)
	bomb := encode(t, "gzip", bytes.Repeat([]byte("0"), 10<<20))
	gz := encode(t, "gzip", plain)
	binary := []byte{0xff, 0xfe, 0x00, 0x01}
	tests := []struct {
		name      string
		wire      []byte
		enc       string
		cut       bool
		limit     int64
		text      string
		base64    []byte
		truncated bool
		decodeErr bool
	}{
		{name: "identity", wire: plain, text: string(plain)},
		{name: "explicit identity", wire: plain, enc: "identity", text: string(plain)},
		{name: "gzip", wire: gz, enc: "gzip", text: string(plain)},
		{name: "x-gzip", wire: gz, enc: "X-GZIP", text: string(plain)},
		{name: "deflate (zlib)", wire: encode(t, "zlib", plain), enc: "deflate", text: string(plain)},
		{name: "deflate (raw)", wire: encode(t, "flate", plain), enc: "deflate", text: string(plain)},
		{name: "br", wire: encode(t, "br", plain), enc: "br", text: string(plain)},
		{name: "zstd", wire: encode(t, "zstd", plain), enc: "zstd", text: string(plain)},
		{name: "two codings", wire: encode(t, "br", gz), enc: "gzip, br", text: string(plain)},
		{name: "binary", wire: encode(t, "gzip", binary), enc: "gzip", base64: binary},
		{name: "not gzip", wire: []byte("plain text"), enc: "gzip", base64: []byte("plain text"), decodeErr: true},
		{name: "unknown coding", wire: plain, enc: "compress", base64: plain, decodeErr: true},
		{name: "cut by the cap", wire: gz[:len(gz)-12], enc: "gzip", cut: true, truncated: true, text: string(plain[:10])},
		{name: "cut before any output", wire: gz[:5], enc: "gzip", cut: true, truncated: true, base64: gz[:5], decodeErr: true},
		{name: "bomb capped", wire: bomb, enc: "gzip", limit: 1000, truncated: true, text: string(bytes.Repeat([]byte("0"), 1000))},
		{name: "raw over the cap", wire: plain, limit: 10, truncated: true, text: string(plain[:10])},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			limit := tt.limit
			if limit == 0 {
				limit = 1 << 20
			}
			b := d.body(tt.wire, int64(len(tt.wire)), tt.cut, tt.enc, limit)
			if b.Size != int64(len(tt.wire)) || b.ContentEncoding != tt.enc || b.Truncated != tt.truncated ||
				(b.DecodeError != "") != tt.decodeErr {
				t.Errorf("body = size %d enc %q truncated %v decodeError %q", b.Size, b.ContentEncoding, b.Truncated, b.DecodeError)
			}
			if tt.name == "cut by the cap" {
				if !bytes.HasPrefix(plain, []byte(b.Text)) || b.Text == "" {
					t.Errorf("text %q is not a prefix of the body", b.Text)
				}
				return
			}
			if b.Text != tt.text {
				t.Errorf("text = %q, want %q", b.Text, tt.text)
			}
			if want := base64.StdEncoding.EncodeToString(tt.base64); tt.base64 != nil && b.Base64 != want {
				t.Errorf("base64 = %q, want %q", b.Base64, want)
			}
		})
	}
}
