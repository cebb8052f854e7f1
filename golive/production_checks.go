package golive

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// The checks of a verification, in the order they run.
const (
	checkCertDiffers = "client-certificate-differs"
	checkKeyDiffers  = "api-key-differs"
	checkCardholders = "cardholders-200"
	checkSimulation  = "simulation-endpoints-404"
)

// Layers name where a failure lies.
const (
	LayerCredentials       = "credentials"            // a staging credential used for production
	LayerNetwork           = "network"                // no connection (DNS, routing, firewall, timeout)
	LayerServerCertificate = "tls-server-certificate" // the server is not who the base URL names
	LayerClientCertificate = "tls-client-certificate" // the server refused the client certificate
	LayerAllowlist         = "allowlist"              // 403 No Authorised IPs configured: IP allowlist or FCrDNS
	LayerAPIKey            = "api-key"                // 401: the API key
	LayerStaging           = "staging"                // the simulation endpoints exist: still staging
	LayerResponse          = "response"               // any other unexpected answer
)

func skipped(id, why string) Check { return Check{ID: id, Outcome: OutcomeSkipped, Detail: why} }

// certDiffers: the production certificate and its key are not the staging
// ones the store presented.
func (p *prepared) certDiffers() Check {
	c := Check{ID: checkCertDiffers}
	staging := p.o.Staging.ClientCerts
	if len(staging) == 0 {
		c.Outcome, c.Detail = OutcomeSkipped, "no staging client certificate known (no store provenance given)"
		return c
	}
	facts := certFacts(p.leaf)
	for _, s := range staging {
		if strings.EqualFold(s.SHA256, facts.SHA256) {
			return p.failCred(c, fmt.Sprintf("the client certificate is the staging one the store presented (SHA-256 %s): production needs its own certificate, issued from a separate production CSR", facts.SHA256))
		}
		if spki, ok := spkiOf(s); ok && spki == facts.SPKISHA256 {
			return p.failCred(c, fmt.Sprintf("the client certificate has the staging certificate's key (%s): a production CSR needs a key of its own", s.Subject))
		}
	}
	c.Outcome = OutcomePassed
	c.Detail = fmt.Sprintf("neither the certificate nor its key is among the %d staging certificate(s) the store presented", len(staging))
	return c
}

func (p *prepared) failCred(c Check, why string) Check {
	c.Outcome, c.Layer, c.Detail = OutcomeFailed, LayerCredentials, why
	return c
}

// spkiOf is the SHA-256 of a staging certificate's public key, when its
// DER is known.
func spkiOf(c evidence.Cert) (string, bool) {
	if len(c.DER) == 0 {
		return "", false
	}
	cert, err := x509.ParseCertificate(c.DER)
	if err != nil {
		return "", false
	}
	sum := sha256.Sum256(cert.RawSubjectPublicKeyInfo)
	return hex.EncodeToString(sum[:]), true
}

// keyDiffers: the production API key's fingerprint is not among the
// staging keys' the store recorded.
func (p *prepared) keyDiffers() Check {
	c := Check{ID: checkKeyDiffers}
	switch {
	case len(p.o.Staging.APIKeyFingerprints) == 0:
		c.Outcome, c.Detail = OutcomeSkipped, "no staging API-key fingerprint known (no store provenance given)"
		return c
	case p.keyFP == "":
		c.Outcome, c.Detail = OutcomeSkipped, "no fingerprint function (the store's redaction key) given"
		return c
	}
	for _, fp := range p.o.Staging.APIKeyFingerprints {
		if fp == p.keyFP {
			return p.failCred(c, "the API key is the staging key the store's calls carried (fingerprint "+fp+"): staging and production keys are separate")
		}
	}
	c.Outcome = OutcomePassed
	c.Detail = fmt.Sprintf("its fingerprint %s is not among the %d staging key(s) the store saw", p.keyFP, len(p.o.Staging.APIKeyFingerprints))
	return c
}

// cardholders is check 1: GET /cardholders answers 200 with a list
// envelope.
func (p *prepared) cardholders(ctx context.Context, client *http.Client) Check {
	pc := p.plannedCalls()[0]
	c := Check{ID: pc.Check}
	ex, body, err := p.call(ctx, client, pc)
	c.Request = ex
	switch {
	case err != nil:
		return p.transportFailure(c, err)
	case ex.Status == http.StatusOK:
		n, total, ok := listEnvelope(body)
		if !ok {
			c.Outcome, c.Layer, c.Detail = OutcomeFailed, LayerResponse, "200 without the Axys list envelope ({\"status\":\"success\",\"items\":[…],\"total\":N}): this is not the Axys API"
			return c
		}
		c.Outcome = OutcomePassed
		c.Detail = fmt.Sprintf("200 with a list envelope (%d of %d cardholders): the client certificate, the IP allowlist with forward-confirmed reverse DNS and the API key are all accepted", n, total)
		return c
	}
	return p.statusFailure(c, ex)
}

// simulation is check 2: POST /staging/kyc/validate answers 404 because
// the endpoint does not exist. A 404 about the cardholder, or any answer
// that shows the endpoint read the request, is staging.
func (p *prepared) simulation(ctx context.Context, client *http.Client) Check {
	pc := p.plannedCalls()[1]
	c := Check{ID: pc.Check}
	ex, _, err := p.call(ctx, client, pc)
	c.Request = ex
	if err != nil {
		return p.transportFailure(c, err)
	}
	staging := func(why string) Check {
		c.Outcome, c.Layer, c.Detail = OutcomeFailed, LayerStaging, why
		return c
	}
	switch s := ex.Status; {
	case s == http.StatusNotFound && strings.Contains(strings.ToLower(ex.Message), "cardholder"):
		return staging("404 about the cardholder (" + ex.Message + "): the simulation endpoint exists and looked the cardholder up, so the base URL still points at staging")
	case s == http.StatusNotFound:
		c.Outcome, c.Detail = OutcomePassed, "404: the simulation endpoints do not exist here, so this really is production"
		return c
	case s >= 200 && s < 300:
		return staging(fmt.Sprintf("%d: the simulation endpoint answered, so the base URL still points at staging", s))
	case s == http.StatusBadRequest || s == http.StatusConflict || s == http.StatusUnprocessableEntity:
		return staging(fmt.Sprintf("%d (%s): the simulation endpoint exists and judged the request, so the base URL still points at staging", s, ex.Message))
	}
	return p.statusFailure(c, ex)
}

// statusFailure diagnoses an unexpected HTTP answer by layer.
func (p *prepared) statusFailure(c Check, ex *Exchange) Check {
	c.Outcome = OutcomeFailed
	switch {
	case ex.Status == http.StatusForbidden && strings.Contains(ex.Message, allowlistMessage):
		c.Layer = LayerAllowlist
		c.Detail = "403 " + allowlistMessage + ": this machine's IP is not on the Program's production allowlist, or it fails forward-confirmed reverse DNS (its PTR record must name a domain of the certificate's CN or SAN, whose A record points back at the IP); the staging allowlist does not carry over"
	case ex.Status == http.StatusUnauthorized:
		c.Layer = LayerAPIKey
		c.Detail = "401 (" + ex.Message + "): the API key was refused; use the production key (staging and production keys are separate)"
	case ex.Status >= 300 && ex.Status < 400:
		c.Layer, c.Detail = LayerResponse, fmt.Sprintf("%d: a redirect, not followed: the base URL is not the API's", ex.Status)
	default:
		c.Layer, c.Detail = LayerResponse, fmt.Sprintf("unexpected %d (%s)", ex.Status, ex.Message)
	}
	return c
}

// transportFailure diagnoses a call that got no HTTP answer: the server's
// certificate, the client certificate refused during the handshake, or the
// network.
func (p *prepared) transportFailure(c Check, err error) Check {
	c.Outcome = OutcomeFailed
	var unknown x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	var dns *net.DNSError
	var nerr net.Error
	msg := err.Error()
	switch {
	case errors.As(err, &unknown) || errors.As(err, &hostname) || errors.As(err, &invalid):
		c.Layer = LayerServerCertificate
		c.Detail = "the server's certificate did not verify (" + rootCause(err) + "): the base URL does not reach the Axys API, or something intercepts the connection (--upstream-ca is only for a test server)"
	case strings.Contains(msg, "remote error: tls:") || strings.Contains(msg, "tls: ") && !errors.As(err, &nerr):
		c.Layer = LayerClientCertificate
		c.Detail = p.clientCertDiagnosis(rootCause(err))
	case errors.As(err, &dns):
		c.Layer, c.Detail = LayerNetwork, "the host does not resolve ("+rootCause(err)+")"
	case errors.As(err, &nerr) && nerr.Timeout():
		c.Layer, c.Detail = LayerNetwork, "no answer in time ("+rootCause(err)+")"
	default:
		c.Layer, c.Detail = LayerNetwork, "no connection ("+rootCause(err)+"): check the network, the firewall and the base URL"
	}
	return c
}

// clientCertDiagnosis says why the server refused the client certificate,
// from what the certificate itself shows.
func (p *prepared) clientCertDiagnosis(alert string) string {
	switch {
	case p.now.After(p.leaf.NotAfter):
		return fmt.Sprintf("the server refused the client certificate (%s): it expired on %s; production certificates are valid 90 days with no grace period, rotate it", alert, p.leaf.NotAfter.UTC().Format("2006-01-02 15:04 UTC"))
	case p.now.Before(p.leaf.NotBefore):
		return fmt.Sprintf("the server refused the client certificate (%s): it is not valid before %s", alert, p.leaf.NotBefore.UTC().Format("2006-01-02 15:04 UTC"))
	}
	return fmt.Sprintf("the server refused the client certificate (%s): it was not issued for production (issuer %s); a staging certificate, or one from any other CA, is refused: production needs its own certificate from a production CSR", alert, p.leaf.Issuer.String())
}

// rootCause is the innermost error's text, without the URL wrapping.
func rootCause(err error) string {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err.Error()
		}
		err = next
	}
}

// listEnvelope reads {"status":"success","items":[…],"total":N}.
func listEnvelope(body []byte) (items, total int, ok bool) {
	var env struct {
		Status string            `json:"status"`
		Items  []json.RawMessage `json:"items"`
		Total  *int              `json:"total"`
	}
	if json.Unmarshal(body, &env) != nil || env.Status != "success" || env.Items == nil || env.Total == nil {
		return 0, 0, false
	}
	return len(env.Items), *env.Total, true
}

// messageOf is the message of an Axys answer ({"status":"error",
// "message":…}), or a short excerpt of any other body.
func messageOf(body []byte) string {
	var env struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &env) == nil && env.Message != "" {
		return truncate(env.Message, 200)
	}
	if json.Valid(body) {
		return ""
	}
	return truncate(strings.TrimSpace(string(body)), 200)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
