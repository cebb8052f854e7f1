package proxy

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zlib"
	"github.com/klauspost/compress/zstd"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// zstdMaxWindow bounds the memory a zstd-encoded body may make the decoder
// allocate.
const zstdMaxWindow = 8 << 20

// decoders holds reusable decompressors for recorded bodies. Decoding is
// for the record only: the app always receives the upstream's bytes.
type decoders struct {
	gzip sync.Pool // *gzip.Reader
	bufs *bufferPool
}

// body builds the evidence body of a message from its captured wire bytes
// (at most limit of them; wireTruncated when the message was longer) and
// its Content-Encoding. The decoded bytes are capped at limit too.
//
// A body that claims an encoding it does not have is recorded raw, in
// Base64, with DecodeError saying why.
func (d *decoders) body(wire []byte, size int64, wireTruncated bool, encoding string, limit int64) evidence.Body {
	b := evidence.Body{Size: size, ContentEncoding: encoding, Truncated: wireTruncated}
	if int64(len(wire)) > limit {
		wire, b.Truncated = wire[:limit], true
	}
	encs := contentCodings(encoding)
	if len(encs) == 0 {
		b.SetBytes(wire)
		return b
	}
	out, truncated, err := d.decodeAllSafe(wire, encs, limit, b.Truncated)
	defer d.bufs.put(out)
	if err != nil {
		b.DecodeError = err.Error()
		if len(wire) > 0 {
			b.Base64 = base64.StdEncoding.EncodeToString(wire)
		}
		return b
	}
	b.Truncated = b.Truncated || truncated
	b.SetBytes(out.Bytes())
	return b
}

// contentCodings lists the codings of a Content-Encoding value in the
// order they must be undone (the last applied first), without identity.
func contentCodings(v string) []string {
	if v == "" {
		return nil
	}
	parts := strings.Split(v, ",")
	out := make([]string, 0, len(parts))
	for i := len(parts) - 1; i >= 0; i-- {
		c := strings.ToLower(strings.TrimSpace(parts[i]))
		if c != "" && c != "identity" {
			out = append(out, c)
		}
	}
	return out
}

// decodeAllSafe is decodeAll turning a decoder panic (on hostile input)
// into an error: it may run on goroutines nothing else protects.
func (d *decoders) decodeAllSafe(wire []byte, encs []string, limit int64, cut bool) (out *bytes.Buffer, truncated bool, err error) {
	defer func() {
		if v := recover(); v != nil {
			out, truncated, err = nil, false, fmt.Errorf("decoder failed: %v", v)
		}
	}()
	return d.decodeAll(wire, encs, limit, cut)
}

// decodeAll undoes each coding in turn. A stream cut short because the
// capture was truncated is not an error when it produced some output.
func (d *decoders) decodeAll(wire []byte, encs []string, limit int64, cut bool) (*bytes.Buffer, bool, error) {
	var out *bytes.Buffer
	src, truncated := wire, false
	for _, enc := range encs {
		prev := out
		out = d.bufs.get()
		t, err := d.decode(out, src, enc, limit)
		d.bufs.put(prev)
		switch {
		case err != nil && cut && out.Len() > 0:
			truncated = true
		case err != nil:
			return out, false, fmt.Errorf("decode %s body: %w", enc, err)
		}
		truncated = truncated || t
		cut = cut || t
		src = out.Bytes()
	}
	return out, truncated, nil
}

// decode writes at most limit decoded bytes of src into out and reports
// whether there were more.
func (d *decoders) decode(out *bytes.Buffer, src []byte, enc string, limit int64) (bool, error) {
	r, done, err := d.reader(src, enc)
	if err != nil {
		return false, err
	}
	defer done()
	complete, err := readCapped(out, r, limit)
	if err != nil {
		return false, err
	}
	if !complete {
		out.Truncate(int(limit))
	}
	return !complete, nil
}

// reader returns a decompressing reader over src and a func that releases it.
func (d *decoders) reader(src []byte, enc string) (io.Reader, func(), error) {
	br := bytes.NewReader(src)
	switch enc {
	case "gzip", "x-gzip":
		zr, _ := d.gzip.Get().(*gzip.Reader)
		if zr == nil {
			zr = new(gzip.Reader)
		}
		if err := zr.Reset(br); err != nil {
			d.gzip.Put(zr)
			return nil, nil, err
		}
		return zr, func() { d.gzip.Put(zr) }, nil
	case "deflate":
		// RFC 9110 deflate is zlib-wrapped; some servers send raw deflate.
		if isZlibHeader(src) {
			zr, err := zlib.NewReader(br)
			if err != nil {
				return nil, nil, err
			}
			return zr, func() { zr.Close() }, nil
		}
		fr := flate.NewReader(br)
		return fr, func() { fr.Close() }, nil
	case "br":
		return brotli.NewReader(br), func() {}, nil
	case "zstd":
		zr, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true),
			zstd.WithDecoderMaxWindow(zstdMaxWindow))
		if err != nil {
			return nil, nil, err
		}
		return zr, zr.Close, nil
	default:
		return nil, nil, fmt.Errorf("unsupported content-encoding %q", enc)
	}
}

func isZlibHeader(b []byte) bool {
	return len(b) >= 2 && b[0]&0x0f == 8 && (uint16(b[0])<<8|uint16(b[1]))%31 == 0
}
