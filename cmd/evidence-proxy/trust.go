package main

import (
	"crypto/ed25519"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"

	"github.com/evidence-proxy/evidence-proxy/export"
	"github.com/evidence-proxy/evidence-proxy/provenance"
	"github.com/evidence-proxy/evidence-proxy/recorder"
)

// exportsDir is the directory under --data-dir where /export writes its
// bundles before sending them; serve empties it at each start, so a
// bundle a killed run left behind does not stay.
const exportsDir = "exports"

// sidecarTrust is what serve keeps so that its evidence can be trusted on
// its own: the provenance collector (fed by every new upstream TLS
// connection), the live provenance behind /coverage's header, and the
// signing key, which never leaves the data directory: /export signs with
// it.
type sidecarTrust struct {
	col     *provenance.Collector
	saver   *provenanceSaver
	live    *liveProvenance
	signer  ed25519.PrivateKey
	keyPath string
	// verifiedBy is how the transport verifies the upstream: with
	// --upstream-ca, a staging host name proves nothing.
	verifiedBy string
	// exporting allows one /export at a time, from the snapshot to the
	// last byte sent.
	exporting sync.Mutex
}

// openTrust loads or creates the signing key (logged with its path and key
// id, and whether it was just made), removes what an earlier run's
// /export left, starts collecting provenance and begins live's tally. The
// store must be open and nothing recorded yet by this run.
func openTrust(cfg serveConfig, store *recorder.Store, tr *http.Transport, live *liveProvenance, logger *slog.Logger) (*sidecarTrust, error) {
	t := &sidecarTrust{keyPath: filepath.Join(cfg.DataDir, signKeyFile), verifiedBy: upstreamVerifiedBy(cfg)}
	key, created, err := signingKey(t.keyPath)
	if err != nil {
		return nil, err
	}
	t.signer = key
	logger.Info("signing key", "path", t.keyPath, "created", created, "key_id", keyID(key),
		"public_key", export.PublicKeyPath(t.keyPath))
	if err := os.RemoveAll(filepath.Join(cfg.DataDir, exportsDir)); err != nil && !errors.Is(err, os.ErrNotExist) {
		logger.Warn("remove the bundles an earlier run left in the data directory", "err", err)
	}
	plog := logger.With("component", "provenance")
	if t.col, t.saver, err = startProvenance(store, tr, plog); err != nil {
		return nil, err
	}
	t.live = live
	live.begin(store, t.col, t.saver)
	return t, nil
}

// observeHandshake is the proxy's UpstreamHandshake: once per new upstream
// TLS connection, never per call.
func (t *sidecarTrust) observeHandshake(host, port string, cs tls.ConnectionState) {
	t.col.ObserveHandshake(host, port, cs, t.verifiedBy)
}

// close saves what the collector could not save yet; call it, after the
// live provenance's close, before the store closes.
func (t *sidecarTrust) close() error {
	if err := t.col.Flush(); err != nil {
		return fmt.Errorf("save provenance: %w", err)
	}
	return nil
}
