package axysemu

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/evidence-proxy/evidence-proxy/internal/pki"
)

// StartOptions configure Start.
type StartOptions struct {
	// Options configure the emulator. An empty APIKey takes the
	// credentials' key.
	Options Options
	// Addr is the listen address; empty means 127.0.0.1 on a free port.
	Addr string
	// Credentials are the certificates and key to serve with; nil means
	// fresh ones (NewCredentials).
	Credentials *Credentials
}

// Server is an emulator behind an mTLS listener.
type Server struct {
	// URL is the base URL, https://host:port/v2.
	URL string
	// Addr is the address listened on.
	Addr string
	// CA signs the server and client certificates; clients trust it.
	CA *pki.Cert
	// ClientCert is a client certificate the server accepts.
	ClientCert *pki.Cert
	// APIKey is the X-API-Key the server accepts.
	APIKey string
	// Emulator is the emulator served, for switches such as
	// SetDenyAllowlist.
	Emulator *Emulator

	srv       *http.Server
	done      chan struct{}
	serveErr  error
	closeOnce sync.Once
	closeErr  error
	stopWatch func() bool
}

// Start serves a new emulator over TLS that requires a client certificate
// signed by the credentials' CA: without one the handshake fails and no HTTP
// response is sent. The server stops when ctx ends or Close is called.
func Start(ctx context.Context, opts StartOptions) (*Server, error) {
	creds := opts.Credentials
	if creds == nil {
		var err error
		if creds, err = NewCredentials(); err != nil {
			return nil, fmt.Errorf("start emulator: %w", err)
		}
	}
	if opts.Options.APIKey == "" {
		opts.Options.APIKey = creds.APIKey
	}
	addr := opts.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("start emulator: %w", err)
	}
	emu := New(opts.Options)
	s := &Server{
		URL: "https://" + hostPort(ln.Addr()) + "/v2", Addr: ln.Addr().String(),
		CA: creds.CA, ClientCert: creds.Client, APIKey: emu.APIKey(), Emulator: emu,
		done: make(chan struct{}),
	}
	s.srv = &http.Server{
		Handler:           emu,
		TLSConfig:         serverTLS(creds),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(emu.log.Handler(), slog.LevelDebug),
	}
	go func() {
		defer close(s.done)
		if err := s.srv.ServeTLS(ln, "", ""); !errors.Is(err, http.ErrServerClosed) {
			s.serveErr = err
		}
	}()
	s.stopWatch = context.AfterFunc(ctx, func() { s.Close() })
	return s, nil
}

// hostPort is the address as a URL host; an unspecified IP becomes
// 127.0.0.1, which the server certificate covers.
func hostPort(a net.Addr) string {
	tcp, isTCP := a.(*net.TCPAddr)
	if !isTCP || tcp.IP.IsUnspecified() {
		_, port, _ := net.SplitHostPort(a.String())
		return net.JoinHostPort("127.0.0.1", port)
	}
	return a.String()
}

func serverTLS(creds *Credentials) *tls.Config {
	return &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{creds.Server.TLS()},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    creds.CA.Pool(),
	}
}

// ClientTLS returns a TLS configuration that trusts the server and presents
// the client certificate.
func (s *Server) ClientTLS() *tls.Config {
	return &tls.Config{
		MinVersion:   tls.VersionTLS12,
		RootCAs:      s.CA.Pool(),
		Certificates: []tls.Certificate{s.ClientCert.TLS()},
	}
}

// Client returns an HTTP client for the server with the client certificate
// and keep-alive connections. It does not add the X-API-Key header.
func (s *Server) Client() *http.Client {
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			TLSClientConfig:     s.ClientTLS(),
			MaxIdleConns:        128,
			MaxIdleConnsPerHost: 128,
			IdleConnTimeout:     90 * time.Second,
		},
	}
}

// Close stops accepting connections, lets calls in flight finish (up to
// 5 s), closes the emulator and waits for every goroutine Start began. It is
// idempotent and returns the serving error, if serving failed.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		s.stopWatch()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.srv.Shutdown(ctx); err != nil {
			s.srv.Close()
		}
		<-s.done
		s.Emulator.Close()
		s.closeErr = s.serveErr
	})
	return s.closeErr
}

// Done is closed once the server has stopped serving.
func (s *Server) Done() <-chan struct{} { return s.done }
