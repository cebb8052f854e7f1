package proxy

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/evidence-proxy/evidence-proxy/internal/pki"
)

// systemRootFiles are where Linux distributions keep the system roots,
// in the order Go's crypto/x509 tries them.
var systemRootFiles = []string{
	"/etc/ssl/certs/ca-certificates.crt",                // Debian, Ubuntu, Gentoo, Arch
	"/etc/pki/tls/certs/ca-bundle.crt",                  // Fedora, RHEL 6
	"/etc/ssl/ca-bundle.pem",                            // openSUSE
	"/etc/pki/tls/cacert.pem",                           // OpenELEC
	"/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", // CentOS, RHEL 7
	"/etc/ssl/cert.pem",                                 // Alpine
}

// ErrNoSystemRoots is returned when no system root bundle can be found.
var ErrNoSystemRoots = errors.New("no system root certificates found (set SSL_CERT_FILE to a PEM bundle)")

// SystemRootsFile returns the PEM file of system roots the way Go finds
// it: SSL_CERT_FILE when set, else the first of the usual distribution
// paths that exists.
func SystemRootsFile() (string, error) {
	if f := os.Getenv("SSL_CERT_FILE"); f != "" {
		return f, nil
	}
	for _, f := range systemRootFiles {
		if _, err := os.Stat(f); err == nil {
			return f, nil
		}
	}
	return "", ErrNoSystemRoots
}

// TrustBundle describes a bundle written by WriteTrustBundle.
type TrustBundle struct {
	Path        string // the bundle
	SystemRoots string // where its system roots came from
	SystemCerts int    // how many certificates were copied from there
}

// WriteTrustBundle writes to path (0644, atomically) a PEM bundle of the
// system roots followed by the interception CA: what SSL_CERT_FILE,
// CURL_CA_BUNDLE and REQUESTS_CA_BUNDLE need, because each of them
// replaces the default trust store rather than adding to it, so a bundle
// of the CA alone would break every other HTTPS call of the app.
//
// roots is the system bundle to copy; empty means SystemRootsFile. Any
// evidence-proxy interception CA already in it (an older bundle, as when
// SSL_CERT_FILE points at the file being rewritten after a rotation) is
// left out, so the result trusts exactly the system roots and ca.
func WriteTrustBundle(path string, ca *pki.Cert, roots string) (TrustBundle, error) {
	if roots == "" {
		var err error
		if roots, err = SystemRootsFile(); err != nil {
			return TrustBundle{}, fmt.Errorf("write trust bundle: %w", err)
		}
	}
	data, err := os.ReadFile(roots)
	if err != nil {
		return TrustBundle{}, fmt.Errorf("write trust bundle: system roots: %w", err)
	}
	var out bytes.Buffer
	fmt.Fprintf(&out, "# System roots from %s, plus the evidence-proxy interception CA (SHA-256 %s) at the end.\n",
		roots, ca.Fingerprint())
	n := appendSystemRoots(&out, data)
	if n == 0 {
		return TrustBundle{}, fmt.Errorf("write trust bundle: %s holds no certificates", roots)
	}
	out.WriteString("# evidence-proxy interception CA\n")
	out.Write(ca.CertPEM())
	if err := writeFileAtomic(path, out.Bytes(), 0o644); err != nil {
		return TrustBundle{}, fmt.Errorf("write trust bundle: %w", err)
	}
	return TrustBundle{Path: path, SystemRoots: roots, SystemCerts: n}, nil
}

// appendSystemRoots copies the certificates of a PEM bundle, leaving out
// evidence-proxy interception CAs, and returns how many it copied.
func appendSystemRoots(out *bytes.Buffer, data []byte) int {
	n := 0
	for block, rest := pem.Decode(data); block != nil; block, rest = pem.Decode(rest) {
		if block.Type != "CERTIFICATE" {
			continue
		}
		if c, err := x509.ParseCertificate(block.Bytes); err == nil && isInterceptionCA(c) {
			continue
		}
		_ = pem.Encode(out, &pem.Block{Type: "CERTIFICATE", Bytes: block.Bytes}) // a bytes.Buffer does not fail
		n++
	}
	return n
}

func isInterceptionCA(c *x509.Certificate) bool {
	return c.IsCA && c.Subject.CommonName == caCommonName && slices.Contains(c.Subject.Organization, "evidence-proxy")
}

func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// JavaCacertsPassword is the password of the JDK's default cacerts.
const JavaCacertsPassword = "changeit"

// DefaultJavaCacerts returns the JDK's default trust store: under
// JAVA_HOME when set, else next to the java on PATH; "" when neither is
// found.
func DefaultJavaCacerts() string {
	var homes []string
	if h := os.Getenv("JAVA_HOME"); h != "" {
		homes = append(homes, h)
	}
	if java, err := exec.LookPath("java"); err == nil {
		if real, err := filepath.EvalSymlinks(java); err == nil {
			homes = append(homes, filepath.Dir(filepath.Dir(real)))
		}
	}
	for _, h := range homes {
		for _, rel := range []string{"lib/security/cacerts", "jre/lib/security/cacerts"} {
			if f := filepath.Join(h, rel); fileExists(f) {
				return f
			}
		}
	}
	return ""
}

func fileExists(path string) bool {
	info, err := os.Stat(path)
	return err == nil && !info.IsDir()
}

// JavaTrust is how a Java app trusts the CA in addition to the JDK's
// roots: javax.net.ssl.trustStore replaces the default store, so it must
// name a copy of the default cacerts with the CA imported, never a store
// holding the CA alone. The default cacerts itself is left untouched.
type JavaTrust struct {
	// Commands are the shell lines that make the store (cp, keytool).
	Commands []string
	// Options are the JVM options that use it, e.g. for JAVA_TOOL_OPTIONS.
	Options string
}

// JavaTrustSteps returns the steps for the CA certificate file caCert and
// the store to create; cacerts is the default store to copy ("" means
// DefaultJavaCacerts, and $JAVA_HOME/lib/security/cacerts when none is
// found).
func JavaTrustSteps(caCert, store, cacerts string, ca *pki.Cert) JavaTrust {
	if cacerts == "" {
		cacerts = DefaultJavaCacerts()
	}
	src := shellQuote(cacerts)
	if cacerts == "" {
		src = `"$JAVA_HOME/lib/security/cacerts"`
	}
	alias := "evidence-proxy-" + ca.Fingerprint()[:12]
	return JavaTrust{
		Commands: []string{
			"cp " + src + " " + shellQuote(store),
			"keytool -importcert -noprompt -alias " + alias + " -file " + shellQuote(caCert) +
				" -keystore " + shellQuote(store) + " -storepass " + JavaCacertsPassword,
		},
		Options: "-Djavax.net.ssl.trustStore=" + shellQuote(store) + " -Djavax.net.ssl.trustStorePassword=" + JavaCacertsPassword,
	}
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+=:,@") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
