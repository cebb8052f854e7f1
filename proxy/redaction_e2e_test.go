package proxy_test

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
	bolt "go.etcd.io/bbolt"

	"github.com/evidence-proxy/evidence-proxy/coverage"
	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/evidence-proxy/evidence-proxy/export"
	"github.com/evidence-proxy/evidence-proxy/proxy"
	"github.com/evidence-proxy/evidence-proxy/recorder"
)

// plantedCall is one call carrying secrets the way an app might send them.
type plantedCall struct {
	method, path, contentType, body string
	header                          http.Header
	// upstreamDown makes the call fail, so the secrets go through the
	// error paths (record and logs).
	upstreamDown bool
}

// Card numbers planted, one per way of hiding it (all Luhn-valid test
// numbers).
const (
	panPathSpaces   = "4000000000003220"
	panPathDigits   = "5105105105105100"
	panPathTwice    = "4012888888881881"
	panQueryName    = "6011111111111117"
	panQueryPlus    = "378282246310005"
	panJSONDecimal  = "4000056655665556"
	panJSONExponent = "3530111333300000"
	panJSONEscaped  = "5555555555554444"
	panJSONPercent  = "4242424242424242"
	panJSONKey      = "2223003122003222"
	panFormName     = "6011000990139424"
	panErrorPath    = "371449635398431"
)

// e2eCanary is not a secret: finding it proves the searches can succeed.
const e2eCanary = "canary-e2e-merchant-31337"

func percentDigits(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

func plantedCalls() []plantedCall {
	const jsonType, formType = "application/json", "application/x-www-form-urlencoded"
	return []plantedCall{
		{method: "GET", path: "/v2/cardholders/4000%200000%200000%203220"},
		{method: "GET", path: "/v2/cards/" + percentDigits(panPathDigits) + "/balance"},
		{method: "GET", path: "/v2/cards/4012%25208888%25208888%25201881"},
		{method: "GET", path: "/v2/cards?" + panQueryName + "=1&limit=5"},
		{method: "GET", path: "/v2/cards/transactions?q=3782+822463+10005&card[pin]=PLANTED-q-card-pin"},
		{method: "POST", path: "/v2/cards/virtual/10532", contentType: jsonType,
			body: `{"a":4000056655665556.0,"b":3.5301113333e15,"c":"\u0035` + panJSONEscaped[1:] + `",` +
				`"d":"4242%204242%204242%204242","` + panJSONKey + `":1,"merchant":"` + e2eCanary + `"}`},
		{method: "PUT", path: "/v2/cards/9104/pin", contentType: jsonType,
			body: `{"pinNumber":"PLANTED-pinNumber","userPin":"PLANTED-userPin","confirmPin":"PLANTED-confirmPin",` +
				`"otpValue":"PLANTED-otpValue","smsCode":"PLANTED-smsCode","3dsCode":"PLANTED-3dsCode",` +
				`"verificationCode":"PLANTED-verificationCode","passcode":"PLANTED-passcode","pwd":"PLANTED-pwd"}`},
		{method: "POST", path: "/v2/cards/9104/update", contentType: formType,
			body: "card%5Bpin%5D=PLANTED-form-card-pin&pin%5B%5D=PLANTED-form-pin-array&card[0][cvv]=PLANTED-form-cvv&" + panFormName + "=x"},
		{method: "GET", path: "/v2/cards/9104", header: http.Header{
			"X-Card-Pin": {"PLANTED-hdr-card-pin"}, "X-Otp": {"PLANTED-hdr-otp"},
			"X-Auth-Token": {"PLANTED-hdr-auth-token"}, "X_API_KEY": {"PLANTED-hdr-x-api-key"}}},
		{method: "GET", path: "/v2/cards/3714%20496353%2098431?pin=PLANTED-down-pin", upstreamDown: true},
	}
}

// e2ePlantedSecrets are searched for, in every encoding, everywhere the
// evidence goes.
var e2ePlantedSecrets = []string{
	panPathSpaces, panPathDigits, panPathTwice, panQueryName, panQueryPlus, panJSONDecimal, panJSONExponent,
	panJSONEscaped, panJSONPercent, panJSONKey, panFormName, panErrorPath,
	"PLANTED-q-card-pin", "PLANTED-pinNumber", "PLANTED-userPin", "PLANTED-confirmPin", "PLANTED-otpValue",
	"PLANTED-smsCode", "PLANTED-3dsCode", "PLANTED-verificationCode", "PLANTED-passcode", "PLANTED-pwd",
	"PLANTED-form-card-pin", "PLANTED-form-pin-array", "PLANTED-form-cvv", "PLANTED-hdr-card-pin",
	"PLANTED-hdr-otp", "PLANTED-hdr-auth-token", "PLANTED-hdr-x-api-key", "PLANTED-down-pin", testAPIKey,
}

// TestPlantedSecretsEndToEnd sends calls carrying secrets in every
// encoding the recorder used to miss through a real proxy, in both modes,
// into a real store, then looks for the secrets in every form in the raw
// store file, the decompressed records, the records read back (decoded
// as a reader would), every member of an exported bundle, and the logs.
func TestPlantedSecretsEndToEnd(t *testing.T) {
	dir := t.TempDir()
	storeLogs := &syncBuffer{}
	red, err := recorder.NewRedactor(bytes.Repeat([]byte{7}, recorder.KeySize), recorder.RedactOptions{})
	if err != nil {
		t.Fatal(err)
	}
	dbPath := filepath.Join(dir, "evidence.db")
	store, err := recorder.Open(dbPath, recorder.Options{Redactor: red,
		Logger: slog.New(slog.NewJSONHandler(storeLogs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close(context.Background()) })
	e := newEnv(t, envConfig{handler: http.HandlerFunc(plantedEchoHandler),
		opts: func(o *proxy.Options) { o.Recorder = store },
		// A new connection per call, so that a call meant to fail does.
		transport: func(tr *http.Transport) { tr.DisableKeepAlives = true }})
	sent := 0
	for _, m := range modes {
		for _, c := range plantedCalls() {
			sendPlanted(t, e, m, c)
			sent++
		}
	}
	if err := store.Close(context.Background()); err != nil {
		t.Fatal(err)
	}

	raw, err := os.ReadFile(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	searchSecrets(t, "raw store file", raw, false)
	searchSecrets(t, "decompressed store values", decompressStore(t, dbPath), true)
	recs := readBackDecoded(t, dbPath)
	if len(recs.records) != sent {
		t.Fatalf("%d records read back, want %d", len(recs.records), sent)
	}
	searchSecrets(t, "records read back", recs.encoded, true)
	searchSecrets(t, "records read back, decoded", recs.decoded, true)
	for name, content := range bundleMembers(t, dbPath, filepath.Join(dir, "evidence.tar.zst")) {
		searchSecrets(t, "bundle member "+name, content, name == export.MemberRecords)
	}
	searchSecrets(t, "proxy logs", []byte(e.logs.String()), false)
	searchSecrets(t, "store logs", []byte(storeLogs.String()), false)
}

func sendPlanted(t *testing.T, e *env, m mode, c plantedCall) {
	t.Helper()
	upstream := e.up.Listener.Addr().String()
	if c.upstreamDown {
		e.setDial(proxy.StagingHost+":443", closedPort(t))
		defer e.setDial(proxy.StagingHost+":443", upstream)
	}
	var body []byte
	if c.body != "" {
		body = []byte(c.body)
	}
	req := newRequest(t, c.method, m.url(e, c.path), body)
	if c.contentType != "" {
		req.Header.Set("Content-Type", c.contentType)
	}
	for k, v := range c.header {
		req.Header[k] = v
	}
	resp, got := do(t, m.client(e), req)
	if want := http.StatusOK; !c.upstreamDown && resp.StatusCode != want {
		t.Errorf("%s %s %s: status %d (%s)", m.name, c.method, c.path, resp.StatusCode, got)
	}
}

// plantedEchoHandler answers with the request body and echoes the path and
// query in headers, so the secrets come back in the response too.
func plantedEchoHandler(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	h := w.Header()
	h.Set("X-Seen-Path", r.URL.EscapedPath())
	h.Set("X-Seen-Query", r.URL.RawQuery)
	if ct := r.Header.Get("Content-Type"); ct != "" {
		h.Set("Content-Type", ct)
	}
	_, _ = w.Write(body)
}

// secretForms returns the ways a secret could be written down: as is,
// percent-encoded (every byte, or as url does), JSON-escaped (every byte
// as a \u escape), in base64, and for a card number its digits grouped by
// spaces, dashes or '+'.
func secretForms(secret string) []string {
	forms := []string{secret, url.QueryEscape(secret), url.PathEscape(secret), percentDigits(secret),
		base64.StdEncoding.EncodeToString([]byte(secret)), base64.RawURLEncoding.EncodeToString([]byte(secret))}
	var esc strings.Builder
	for _, c := range []byte(secret) {
		fmt.Fprintf(&esc, `\u%04x`, c)
	}
	forms = append(forms, esc.String())
	if strings.Trim(secret, "0123456789") == "" {
		for _, sep := range []string{" ", "-", "+", "%20"} {
			var g []string
			for i := 0; i < len(secret); i += 4 {
				g = append(g, secret[i:min(i+4, len(secret))])
			}
			forms = append(forms, strings.Join(g, sep))
		}
	}
	return forms
}

// searchSecrets fails the test for every planted secret found in content
// in any form; canary says content must hold the canary (so the search
// is known to work on it).
func searchSecrets(t *testing.T, where string, content []byte, canary bool) {
	t.Helper()
	if canary && !bytes.Contains(content, []byte(e2eCanary)) {
		t.Errorf("%s: canary not found, the search is broken (%d bytes)", where, len(content))
	}
	for _, secret := range e2ePlantedSecrets {
		for _, form := range secretForms(secret) {
			if bytes.Contains(content, []byte(form)) {
				t.Errorf("%s contains %q (as %q)", where, secret, form)
			}
		}
	}
}

// decompressStore reads every value of the bbolt file and decompresses
// every zstd frame in it, independently of the store's reading code.
func decompressStore(t *testing.T, path string) []byte {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	dec, err := zstd.NewReader(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	magic := []byte{0x28, 0xb5, 0x2f, 0xfd}
	var out []byte
	frames := 0
	err = db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(_ []byte, b *bolt.Bucket) error {
			return b.ForEach(func(_, v []byte) error {
				if i := bytes.Index(v, magic); i >= 0 {
					p, err := dec.DecodeAll(v[i:], nil)
					if err != nil {
						return err
					}
					frames++
					out = append(append(out, p...), '\n')
				}
				return nil
			})
		})
	})
	if err != nil || frames == 0 {
		t.Fatalf("decompress store: %d frames, %v", frames, err)
	}
	return out
}

type readBack struct {
	records []*evidence.Record
	// encoded is the records as JSON; decoded every text of them as a
	// reader would decode it.
	encoded, decoded []byte
}

// readBackDecoded reads the records back through the recorder and decodes
// their texts the way a reader could: percent-encoding (up to three
// rounds, '+' as a space or not), JSON bodies parsed with their strings
// unescaped and their numbers read as values, and card-number separators
// removed.
func readBackDecoded(t *testing.T, path string) readBack {
	t.Helper()
	ro, err := recorder.OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ro.Close(context.Background()) }()
	var rb readBack
	var enc, dec bytes.Buffer
	err = ro.Iterate(context.Background(), 1, func(r *evidence.Record) error {
		c := *r
		rb.records = append(rb.records, &c)
		if err := json.NewEncoder(&enc).Encode(r); err != nil {
			return err
		}
		for _, text := range recordTexts(r) {
			for _, form := range decodedTexts(text) {
				dec.WriteString(form)
				dec.WriteByte('\n')
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	rb.encoded, rb.decoded = enc.Bytes(), dec.Bytes()
	return rb
}

func recordTexts(r *evidence.Record) []string {
	texts := []string{r.Request.URL, r.Request.Body.Text, string(r.Request.Body.Bytes())}
	for k, vs := range r.Request.Header {
		texts = append(texts, k, strings.Join(vs, "\n"))
	}
	if r.Response != nil {
		texts = append(texts, r.Response.Body.Text)
		for k, vs := range r.Response.Header {
			texts = append(texts, k, strings.Join(vs, "\n"))
		}
	}
	if r.Error != nil {
		texts = append(texts, r.Error.Message)
	}
	return texts
}

// decodedTexts returns s and what it decodes to.
func decodedTexts(s string) []string {
	forms := []string{s}
	for _, unescape := range []func(string) (string, error){url.QueryUnescape, url.PathUnescape} {
		cur := s
		for range 3 {
			next, err := unescape(cur)
			if err != nil || next == cur {
				break
			}
			forms, cur = append(forms, next), next
		}
	}
	for _, f := range forms {
		forms = append(forms, jsonTexts(f)...)
	}
	for _, f := range forms {
		forms = append(forms, strings.NewReplacer(" ", "", "-", "", "+", "").Replace(f))
	}
	return forms
}

// jsonTexts returns the strings and the integer values of the numbers of
// a JSON document, nil when s is not one.
func jsonTexts(s string) []string {
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var out []string
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) || err != nil {
			return out
		}
		switch v := tok.(type) {
		case string:
			out = append(out, v)
		case json.Number:
			if f, ok := new(big.Float).SetPrec(200).SetString(string(v)); ok && f.IsInt() {
				out = append(out, f.Text('f', 0))
			}
		}
	}
}

// bundleMembers exports the store with the built-in coverage matrix and
// returns every member of the bundle, decompressed.
func bundleMembers(t *testing.T, dbPath, out string) map[string][]byte {
	t.Helper()
	ro, err := recorder.OpenReadOnly(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ro.Close(context.Background()) }()
	seed := sha256.Sum256([]byte("e2e signing key"))
	m := coverage.DefaultMatrix()
	if _, err := export.Write(context.Background(), out, ro, export.Options{InstanceID: "e2e",
		Signer: ed25519.NewKeyFromSeed(seed[:]), Coverage: matrixCoverage{m}, Matrix: m.Canonical()}); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := zstd.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	members := map[string][]byte{}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if members[h.Name], err = io.ReadAll(tr); err != nil {
			t.Fatal(err)
		}
	}
	for _, want := range []string{export.MemberRecords, "traces.har", export.CoverageJSON, export.CoverageMD, export.CoverageHTML} {
		if _, ok := members[want]; !ok {
			t.Errorf("bundle has no %s (members: %d)", want, len(members))
		}
	}
	return members
}

// matrixCoverage renders the coverage reports of a bundle with the real
// engine, so they are searched too.
type matrixCoverage struct{ m *coverage.Matrix }

func (c matrixCoverage) New() export.CoverageRun {
	return &matrixCoverageRun{m: c.m, e: coverage.NewEngine(c.m)}
}

type matrixCoverageRun struct {
	m *coverage.Matrix
	e *coverage.Engine
}

func (r *matrixCoverageRun) Observe(_ string, rec *evidence.Record) { r.e.Observe(rec) }

func (r *matrixCoverageRun) Files() (map[string][]byte, export.MatrixInfo, error) {
	rep := r.e.Report()
	files := map[string][]byte{}
	for name, write := range map[string]func(io.Writer, *coverage.Report) error{
		export.CoverageJSON: coverage.WriteJSON, export.CoverageMD: coverage.WriteMarkdown, export.CoverageHTML: coverage.WriteHTML,
	} {
		var buf bytes.Buffer
		if err := write(&buf, rep); err != nil {
			return nil, export.MatrixInfo{}, err
		}
		files[name] = buf.Bytes()
	}
	ref := r.m.Ref()
	return files, export.MatrixInfo{ID: ref.ID, Version: ref.Version, SHA256: ref.SHA256}, nil
}
