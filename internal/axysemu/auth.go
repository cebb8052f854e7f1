package axysemu

import (
	"crypto/subtle"
	"net/http"
)

// The platform checks five layers on every call (see doc.go). The emulator
// reproduces the three a client can get wrong:
//
//   - mTLS: enforced by the TLS server Start builds (ClientAuth
//     RequireAndVerifyClientCert against the emulator's CA). A missing or
//     foreign certificate fails the handshake, so no HTTP response exists.
//     The Handler itself does not look at TLS state.
//   - IP allowlist and FCrDNS: not checkable on loopback; DenyAllowlist (or
//     SetDenyAllowlist, or a forced 403 fault) makes every call fail them,
//     with the documented two-cause 403.
//   - X-API-Key: compared in constant time; missing or wrong is a 401.

// allowlistMessage is the documented message of the two-cause 403.
const allowlistMessage = "No Authorised IPs configured"

var errNoAuthorisedIPs = &apiError{status: http.StatusForbidden, message: allowlistMessage}

// checkKey verifies the X-API-Key header.
func (e *Emulator) checkKey(r *http.Request) error {
	got := r.Header.Get("X-API-Key")
	if got == "" {
		return apiErrorf(http.StatusUnauthorized, "missing X-API-Key header")
	}
	if subtle.ConstantTimeCompare([]byte(got), []byte(e.apiKey)) != 1 {
		return apiErrorf(http.StatusUnauthorized, "invalid API key")
	}
	return nil
}
