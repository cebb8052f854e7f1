package proxy

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"syscall"
	"testing"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "net/http: timeout awaiting response headers" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

func TestClassify(t *testing.T) {
	dial := func(err error) error {
		return &net.OpError{Op: "dial", Net: "tcp", Err: &os.SyscallError{Syscall: "connect", Err: err}}
	}
	tests := []struct {
		name string
		err  error
		want evidence.ErrorKind
	}{
		{"refused", dial(syscall.ECONNREFUSED), evidence.ErrConnectRefused},
		{"dns", &net.OpError{Op: "dial", Err: &net.DNSError{Err: "no such host", Name: "x", IsNotFound: true}}, evidence.ErrDNS},
		{"unknown authority", x509.UnknownAuthorityError{}, evidence.ErrTLS},
		{"unknown authority, by pointer", &x509.UnknownAuthorityError{}, evidence.ErrTLS},
		{"hostname", fmt.Errorf("tls: %w", x509.HostnameError{Host: "x", Certificate: &x509.Certificate{}}), evidence.ErrTLS},
		{"remote alert", &net.OpError{Op: "remote error", Err: errors.New("tls: certificate required")}, evidence.ErrTLS},
		{"reset", &net.OpError{Op: "read", Err: &os.SyscallError{Syscall: "read", Err: syscall.ECONNRESET}}, evidence.ErrReset},
		{"unexpected EOF", fmt.Errorf("read body: %w", io.ErrUnexpectedEOF), evidence.ErrReset},
		{"server closed", io.EOF, evidence.ErrReset},
		{"header timeout", timeoutErr{}, evidence.ErrTimeout},
		{"deadline", context.DeadlineExceeded, evidence.ErrTimeout},
		{"i/o timeout", &net.OpError{Op: "read", Err: os.ErrDeadlineExceeded}, evidence.ErrTimeout},
		{"canceled", &url.Error{Op: "Get", URL: "https://x/4111111111111111", Err: context.Canceled}, evidence.ErrCanceled},
		{"other", errors.New("malformed HTTP response"), evidence.ErrUpstream},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := classify(tt.err); got != tt.want {
				t.Errorf("classify(%v) = %s, want %s", tt.err, got, tt.want)
			}
		})
	}
}

// TestCauseTextDropsURL: messages never repeat a request URL.
func TestCauseTextDropsURL(t *testing.T) {
	err := &url.Error{Op: "Get", URL: "https://h/v2/cards/4111111111111111?pin=1234", Err: errors.New("boom")}
	if got := causeText(err); got != "boom" {
		t.Errorf("causeText = %q", got)
	}
}

func TestJoinPath(t *testing.T) {
	tests := []struct{ base, in, wantPath, wantRaw string }{
		{"/v2", "/v2/cardholders", "/v2/cardholders", ""},
		{"/v2", "/v2", "/v2", ""},
		{"/v2", "/cardholders", "/v2/cardholders", ""},
		{"/v2", "/v2x", "/v2/v2x", ""},
		{"/v2", "/", "/v2/", ""},
		{"", "/cards", "/cards", ""},
		{"/v2", "/v2/files/a%2Fb", "/v2/files/a/b", "/v2/files/a%2Fb"},
		{"/v2", "/files/a%2Fb", "/v2/files/a/b", "/v2/files/a%2Fb"},
	}
	for _, tt := range tests {
		t.Run(tt.base+tt.in, func(t *testing.T) {
			u, err := url.Parse(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			path, raw := joinPath(tt.base, u)
			if path != tt.wantPath || raw != tt.wantRaw {
				t.Errorf("joinPath = %q, %q; want %q, %q", path, raw, tt.wantPath, tt.wantRaw)
			}
		})
	}
}

func TestReadCapped(t *testing.T) {
	const limit = 10
	tests := []struct {
		n        int
		complete bool
		kept     int
	}{{0, true, 0}, {9, true, 9}, {10, true, 10}, {11, false, 11}, {5000, false, 11}}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.n), func(t *testing.T) {
			var buf bytes.Buffer
			src := bytes.NewReader(bytes.Repeat([]byte("x"), tt.n))
			complete, err := readCapped(&buf, iotestOneByte{src}, limit)
			if err != nil || complete != tt.complete || buf.Len() != tt.kept {
				t.Errorf("readCapped = %v, %v, %d bytes; want %v, %d", complete, err, buf.Len(), tt.complete, tt.kept)
			}
		})
	}
}

// iotestOneByte reads one byte at a time.
type iotestOneByte struct{ r io.Reader }

func (o iotestOneByte) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	return o.r.Read(p[:1])
}
