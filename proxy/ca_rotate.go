package proxy

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/evidence-proxy/evidence-proxy/internal/pki"
)

// CARotation is what RotateCA did, and what must follow.
type CARotation struct {
	// CA is the new interception CA, now in CertFile and KeyFile.
	CA       *pki.Cert
	CertFile string
	KeyFile  string
	// Previous is the CA it replaced; nil when there was none or it could
	// not be read.
	Previous *pki.Cert
	// BackupCertFile and BackupKeyFile are where the previous files were
	// moved ("" for a file that did not exist). The key backup keeps its
	// 0600 mode; delete both once nothing trusts the old CA any more.
	BackupCertFile string
	BackupKeyFile  string
	// Retrust says, one line each, what must trust the new CA (and may
	// stop trusting the old one).
	Retrust []string
}

// RotateCA replaces the interception CA in dir with a new one for hosts
// (see CreateCA), keeping the previous files as backups named
// ca-cert.pem.<UTC time>.bak and ca-key.pem.<UTC time>.bak. It works
// whatever state the old CA is in (expired, for other hosts, half
// missing, unreadable), and with none. If the new CA cannot be written the
// previous files are put back. A running sidecar keeps its old CA until it
// is restarted. now is the clock; nil means time.Now.
func RotateCA(dir string, hosts []string, now func() time.Time) (*CARotation, error) {
	if now == nil {
		now = time.Now
	}
	ca, err := newCA(hosts, now)
	if err != nil {
		return nil, fmt.Errorf("rotate interception ca: %w", err)
	}
	r := &CARotation{CA: ca, CertFile: filepath.Join(dir, CACertFile), KeyFile: filepath.Join(dir, CAKeyFile)}
	if prev, err := LoadCA(dir); err == nil {
		r.Previous = prev
	}
	stamp := now().UTC().Format("20060102T150405Z")
	if r.BackupCertFile, err = backup(r.CertFile, stamp); err != nil {
		return nil, fmt.Errorf("rotate interception ca: %w", err)
	}
	if r.BackupKeyFile, err = backup(r.KeyFile, stamp); err != nil {
		restore(r.BackupCertFile, r.CertFile)
		return nil, fmt.Errorf("rotate interception ca: %w", err)
	}
	if err := ca.WriteFiles(r.CertFile, r.KeyFile); err != nil {
		restore(r.BackupCertFile, r.CertFile)
		restore(r.BackupKeyFile, r.KeyFile)
		return nil, fmt.Errorf("rotate interception ca: %w", err)
	}
	r.Retrust = retrustLines(r)
	return r, nil
}

// backup moves path to a free name path.<stamp>[.n].bak and returns it;
// "" when path does not exist.
func backup(path, stamp string) (string, error) {
	if _, err := os.Lstat(path); errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	for n := 0; n < 100; n++ {
		to := path + "." + stamp + ".bak"
		if n > 0 {
			to = path + "." + stamp + "." + strconv.Itoa(n) + ".bak"
		}
		if _, err := os.Lstat(to); !errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err := os.Rename(path, to); err != nil {
			return "", fmt.Errorf("back up %s: %w", path, err)
		}
		return to, nil
	}
	return "", fmt.Errorf("back up %s: no free backup name", path)
}

func restore(backupPath, path string) {
	if backupPath != "" {
		_ = os.Rename(backupPath, path) // best effort: the error that made us restore is returned
	}
}

func retrustLines(r *CARotation) []string {
	lines := []string{
		"new interception CA " + r.CertFile + " (SHA-256 " + r.CA.Fingerprint() + ")",
	}
	if r.Previous != nil {
		lines = append(lines, "it replaces SHA-256 "+r.Previous.Fingerprint()+", kept as "+r.BackupCertFile+": apps that trust only the old one will refuse the sidecar")
	}
	return append(lines,
		"restart the sidecar: a running one keeps the old CA",
		"NODE_EXTRA_CA_CERTS="+r.CertFile+": same file, new content: restart the Node.js apps",
		"trust bundles made for SSL_CERT_FILE, REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE hold the old CA: write them again (evidence-proxy ca --bundle FILE)",
		"Java trust stores (copies of cacerts): import the new certificate with the keytool lines evidence-proxy ca prints",
		"anything else that trusts the old certificate by file or fingerprint: replace it",
	)
}
