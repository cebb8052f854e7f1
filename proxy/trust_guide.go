package proxy

import (
	"strings"

	"github.com/evidence-proxy/evidence-proxy/internal/pki"
)

// TrustGuideOptions fill in TrustGuide.
type TrustGuideOptions struct {
	// ProxyURL is what apps set HTTPS_PROXY to, e.g. http://127.0.0.1:8080.
	ProxyURL string
	// CA and CACertFile are the interception CA and its certificate file.
	CA         *pki.Cert
	CACertFile string
	// BundleFile is the bundle of system roots plus the CA
	// (WriteTrustBundle); empty shows the command that writes one.
	BundleFile string
	// SystemRoots is where the bundle's system roots come from; empty
	// means SystemRootsFile.
	SystemRoots string
	// JavaStore is the Java trust store to create; empty means
	// evidence-proxy-cacerts next to CACertFile.
	JavaStore string
	// JavaCacerts is the JDK's default store to copy; empty means
	// DefaultJavaCacerts.
	JavaCacerts string
}

// TrustGuide is the text of "evidence-proxy ca": how to point an app at
// the sidecar in HTTPS_PROXY mode and make it trust the interception CA
// in addition to what it already trusts, client by client, saying for
// each why it is additive. A variable that replaces the trust store
// (SSL_CERT_FILE, CURL_CA_BUNDLE, REQUESTS_CA_BUNDLE, Java's trustStore)
// is always given a bundle of the system roots plus the CA, never the CA
// alone, which would break every other HTTPS call of the app.
func TrustGuide(o TrustGuideOptions) string {
	var b strings.Builder
	line := func(s ...string) { b.WriteString(strings.Join(s, "") + "\n") }
	bundle, bundleNote := o.BundleFile, ""
	if bundle == "" {
		bundle = "trust-bundle.pem"
		bundleNote = "    evidence-proxy ca --bundle " + bundle + "    # writes it; run it again after evidence-proxy ca rotate"
	}
	roots := o.SystemRoots
	if roots == "" {
		roots, _ = SystemRootsFile()
	}
	store := o.JavaStore
	if store == "" {
		store = strings.TrimSuffix(o.CACertFile, CACertFile) + "evidence-proxy-cacerts"
	}
	line("To send an app through evidence-proxy in HTTPS_PROXY mode:")
	line("  export HTTPS_PROXY=", o.ProxyURL)
	line("  export NO_PROXY=localhost,127.0.0.1    # and every host the app should reach directly")
	line("Only allowlisted staging hosts are intercepted and recorded; any other host gets a 403 from the")
	line("sidecar: add it to NO_PROXY, or tunnel it blind (unrecorded) with --passthrough-host HOST.")
	line("")
	line("Then make the app trust the interception CA in addition to the roots it already trusts:")
	line("")
	line("  Go, OpenSSL tools, curl, Python requests: each of these variables REPLACES the default trust")
	line("  store, so give them a bundle of the system roots (", orUnknown(roots), ") plus the CA:")
	if bundleNote != "" {
		line(bundleNote)
	}
	line("    export SSL_CERT_FILE=", shellQuote(bundle), "         # Go, OpenSSL-based tools")
	line("    export CURL_CA_BUNDLE=", shellQuote(bundle), "        # curl (Debian's curl ignores SSL_CERT_FILE)")
	line("    export REQUESTS_CA_BUNDLE=", shellQuote(bundle), "    # Python requests")
	line("")
	line("  Node.js: NODE_EXTRA_CA_CERTS is added to Node's own roots (additive by design), so the CA alone:")
	line("    export NODE_EXTRA_CA_CERTS=", shellQuote(o.CACertFile))
	line("")
	line("  Java: javax.net.ssl.trustStore REPLACES the JDK's roots, so make a copy of the default cacerts")
	line("  and import the CA into the copy (the JDK's own cacerts is left untouched):")
	if o.CA != nil {
		j := JavaTrustSteps(o.CACertFile, store, o.JavaCacerts, o.CA)
		for _, c := range j.Commands {
			line("    ", c)
		}
		line("    export JAVA_TOOL_OPTIONS=", shellQuote(j.Options))
	}
	line("")
	line("Never install the CA as the only trusted root, and never copy its key (", CAKeyFile, ") off this host.")
	return b.String()
}

func orUnknown(s string) string {
	if s == "" {
		return "not found: set SSL_CERT_FILE"
	}
	return s
}
