package export

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// fakeSource is a Source over records held in memory.
type fakeSource struct {
	recs []*evidence.Record
}

func (s *fakeSource) Iterate(ctx context.Context, from uint64, fn func(*evidence.Record) error) error {
	for _, r := range s.recs {
		if r.Seq < from {
			continue
		}
		c := *r // each record handed over is fn's own
		if err := fn(&c); err != nil {
			return err
		}
	}
	return nil
}

// fakeCoverage renders deterministic reports that depend on every record
// and on their order: a count, the sequence numbers in observed order, a
// digest of the hashes in that order, and status counts.
type fakeCoverage struct {
	matrix MatrixInfo
}

// fakeMatrixYAML is the matrix fakeCoverage computes against.
const fakeMatrixYAML = "id: test-matrix\nversion: \"1\"\n"

func newFakeCoverage() *fakeCoverage {
	c, _, err := fakeLoader{}.load([]byte(fakeMatrixYAML))
	if err != nil {
		panic(err)
	}
	return c
}

// fakeLoader is a MatrixLoader of "id: X\nversion: Y\n" matrices; it
// reports a matrix whose id is not test-matrix as replacing every
// requirement of a built-in test-matrix.
type fakeLoader struct{}

func (l fakeLoader) LoadMatrix(canonical []byte) (Coverage, MatrixDiff, error) {
	c, d, err := l.load(canonical)
	return c, d, err
}

func (fakeLoader) load(canonical []byte) (*fakeCoverage, MatrixDiff, error) {
	var id, version string
	for _, line := range strings.Split(string(canonical), "\n") {
		if v, ok := strings.CutPrefix(line, "id: "); ok {
			id = v
		}
		if v, ok := strings.CutPrefix(line, "version: "); ok {
			version = strings.Trim(v, `"`)
		}
	}
	if id == "" || version == "" {
		return nil, MatrixDiff{}, fmt.Errorf("no id or version")
	}
	sum := sha256.Sum256(canonical)
	c := &fakeCoverage{matrix: MatrixInfo{ID: id, Version: version, SHA256: hex.EncodeToString(sum[:])}}
	base := sha256.Sum256([]byte(fakeMatrixYAML))
	d := MatrixDiff{Base: MatrixInfo{ID: "test-matrix", Version: "1", SHA256: hex.EncodeToString(base[:])}, Kept: 3}
	if id != "test-matrix" {
		d.Kept, d.Dropped, d.Added = 1, []string{"T2", "T3"}, []string{id + "-1"}
	}
	return c, d, nil
}

func (c *fakeCoverage) New() CoverageRun {
	return &fakeRun{matrix: c.matrix, digest: sha256.New(), statuses: map[string]int{}}
}

type fakeRun struct {
	matrix   MatrixInfo
	digest   hash.Hash
	count    int
	order    []uint64
	statuses map[string]int
}

func (r *fakeRun) Observe(instance string, rec *evidence.Record) {
	r.count++
	if len(r.order) < 1000 {
		r.order = append(r.order, rec.Seq)
	}
	r.digest.Write([]byte(instance + "/" + rec.Hash))
	r.statuses[rec.StatusClass()]++
}

func (r *fakeRun) Files() (map[string][]byte, MatrixInfo, error) {
	j, err := json.Marshal(map[string]any{
		"records": r.count, "order": r.order, "digest": hex.EncodeToString(r.digest.Sum(nil)), "statuses": r.statuses,
	})
	if err != nil {
		return nil, MatrixInfo{}, err
	}
	return map[string][]byte{
		CoverageJSON: j,
		CoverageMD:   []byte(fmt.Sprintf("# Coverage\n\n%d records\n", r.count)),
		CoverageHTML: []byte(fmt.Sprintf("<html><body><p>%d records</p></body></html>\n", r.count)),
	}, r.matrix, nil
}

// testKey returns a deterministic signing key named by seed.
func testKey(seed string) ed25519.PrivateKey {
	s := sha256.Sum256([]byte(seed))
	return ed25519.NewKeyFromSeed(s[:])
}

var testStart = time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)

// bodyJSON is a typical card API response body of about 1.3 KB.
func bodyJSON(seq uint64) string {
	var b strings.Builder
	fmt.Fprintf(&b, `{"id":"card_%08d","object":"card","status":"active","cardholder":{"id":"ch_%06d","name":"Test Holder","email":"holder%d@example.test"},`, seq, seq%9973, seq)
	fmt.Fprintf(&b, `"pan":"[redacted:4f1c2a]","last4":"%04d","exp_month":%d,"exp_year":2029,"brand":"visa","type":"virtual","currency":"EUR",`, seq%10000, seq%12+1)
	b.WriteString(`"spending_controls":{"allowed_categories":["grocery_stores","restaurants"],"blocked_categories":[],"spending_limits":[{"amount":50000,"interval":"monthly"},{"amount":5000,"interval":"per_authorization"}]},`)
	b.WriteString(`"metadata":{"program":"staging-pilot","integration":"evidence-proxy-test"},"shipping":null,"replacement_for":null,`)
	fmt.Fprintf(&b, `"created":%d,"livemode":false,"wallets":{"apple_pay":{"eligible":true},"google_pay":{"eligible":true}},`, 1773478800+seq)
	b.WriteString(`"authorization_controls":{"velocity":[{"window":"1h","max_count":20},{"window":"24h","max_count":100}],"mcc_allowlist":["5411","5812","5814"],"country_blocklist":["KP","IR"]},`)
	b.WriteString(`"links":{"self":"/v2/cards/card","transactions":"/v2/cards/card/transactions","events":"/v2/cards/card/events"}}`)
	return b.String()
}

// makeRecord builds a varied record; variant picks its shape.
func makeRecord(seq uint64, t time.Time, variant int) *evidence.Record {
	hdr := http.Header{"Accept": {"application/json"}, "X-Api-Key": {"[redacted:9b2e11]"}, "User-Agent": {"app/1.0"}}
	rec := &evidence.Record{
		V: evidence.Version, Seq: seq, Kind: evidence.KindCall, Time: t,
		DurationUS: 12_345 + int64(variant)*1000, UpstreamUS: 11_000, Mode: evidence.ModeBaseURL,
		ClientAddr: "127.0.0.1:50123",
		TLS:        &evidence.TLSFacts{Version: "TLS 1.3", ServerCertSHA256: strings.Repeat("ab", 32)},
		Request:    evidence.Request{Method: "GET", URL: fmt.Sprintf("https://staging.api.axyscards.com/v2/cards/card_%08d", seq), Proto: "HTTP/1.1", Header: hdr},
		Redactions: 1,
	}
	respHdr := http.Header{"Content-Type": {"application/json"}, "X-Request-Id": {fmt.Sprintf("req_%d", seq)}}
	body := bodyJSON(seq)
	switch variant % 8 {
	case 0:
		rec.Response = &evidence.Response{Status: 200, Proto: "HTTP/1.1", Header: respHdr, Body: evidence.NewBody([]byte(body), int64(len(body)), false)}
	case 1:
		req := `{"cardholder":"ch_1","type":"virtual","pin":"[redacted:77aa01]"}`
		rec.Request.Method, rec.Request.URL = "POST", "https://staging.api.axyscards.com/v2/cards"
		rec.Request.Header = http.Header{"Content-Type": {"application/json"}, "Idempotency-Key": {fmt.Sprintf("idem-%d", seq)}}
		rec.Request.Body = evidence.NewBody([]byte(req), int64(len(req)), false)
		rec.Response = &evidence.Response{Status: 201, Proto: "HTTP/1.1", Header: respHdr, Body: evidence.NewBody([]byte(body), int64(len(body)), false)}
	case 2:
		e := `{"error":{"code":"field_locked","message":"spending_controls cannot change while a dispute is open <&>"}}`
		rec.Request.Method = "PATCH"
		rec.Response = &evidence.Response{Status: 409, Proto: "HTTP/2.0", Header: respHdr, Body: evidence.NewBody([]byte(e), int64(len(e)), false)}
	case 3:
		rec.Error = &evidence.CallError{Kind: evidence.ErrTimeout, Message: "upstream response header timeout after 30s"}
		rec.UpstreamUS = 30_000_000
		rec.DurationUS = 30_000_100
	case 4:
		rec.Request.URL = "https://production.api.axyscards.com/v2/cards?limit=10&starting_after=card_1"
		e := `{"error":"refused: production.api.axyscards.com is not an allowlisted staging host"}`
		rec.Response = &evidence.Response{Status: 403, Header: respHdr, Body: evidence.NewBody([]byte(e), int64(len(e)), false), Synthetic: true}
		rec.Error = &evidence.CallError{Kind: evidence.ErrGuardRefused, Message: "host not allowlisted"}
		rec.UpstreamUS = 0
	case 5:
		bin := []byte{0x89, 'P', 'N', 'G', 0xff, 0x00, 0xfe, byte(seq)}
		rec.Response = &evidence.Response{Status: 200, Proto: "HTTP/1.1", Header: http.Header{"Content-Type": {"image/png"}}, Body: evidence.NewBody(bin, int64(len(bin)), false)}
	case 6:
		rec.Kind = evidence.KindGap
		rec.Request = evidence.Request{}
		rec.TLS, rec.Mode, rec.ClientAddr, rec.Redactions = nil, "", "", 0
		rec.Gap = &evidence.Gap{Lost: 3, Reason: "async queue full"}
	case 7:
		rec.Request.URL = fmt.Sprintf("https://staging.api.axyscards.com/v2/transactions?card=card_%d&limit=100&cursor=a%%2Bb", seq)
		rec.Mode = evidence.ModeMITM
		rec.Response = &evidence.Response{Status: 429, Proto: "HTTP/1.1", Header: http.Header{"Retry-After": {"2"}, "Content-Encoding": {"gzip"}},
			Body: evidence.Body{Size: 9000, ContentEncoding: "gzip", Text: body[:200], Truncated: true}}
	}
	return rec
}

// makeChain builds n sealed records starting at seq first (prev is the
// hash before it), one call every step.
func makeChain(t testing.TB, first uint64, n int, prev string, start time.Time, step time.Duration) []*evidence.Record {
	t.Helper()
	var recs []*evidence.Record
	for i := 0; i < n; i++ {
		seq := first + uint64(i)
		rec := makeRecord(seq, start.Add(time.Duration(i)*step), int(seq))
		if err := rec.Seal(prev); err != nil {
			t.Fatal(err)
		}
		prev = rec.Hash
		recs = append(recs, rec)
	}
	return recs
}

func testOptions(instance, keySeed string) Options {
	return Options{
		InstanceID:  instance,
		ToolVersion: "v0.0.0-test",
		Signer:      testKey(keySeed),
		Coverage:    newFakeCoverage(),
		Matrix:      []byte(fakeMatrixYAML),
		Now:         func() time.Time { return testStart.Add(24 * time.Hour) },
	}
}

// mustWrite exports recs into dir/name and returns the bundle's path.
func mustWrite(t testing.TB, dir, name string, recs []*evidence.Record, opts Options) string {
	t.Helper()
	out := filepath.Join(dir, name)
	if _, err := Write(context.Background(), out, &fakeSource{recs: recs}, opts); err != nil {
		t.Fatalf("Write: %v", err)
	}
	return out
}

// bundleMember is one member as read back by readBundle.
type bundleMember struct {
	name string
	data []byte
}

// readBundle returns every member of a bundle, in order.
func readBundle(t testing.TB, path string) []bundleMember {
	t.Helper()
	br, err := openBundle(path)
	if err != nil {
		t.Fatal(err)
	}
	defer br.close()
	var out []bundleMember
	for {
		hdr, err := br.next()
		if err != nil {
			break
		}
		data, err := br.readMember(hdr, 1<<30)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, bundleMember{hdr.Name, data})
	}
	return out
}

// writeMembers writes members as a bundle at path, as the exporter would.
func writeMembers(t testing.TB, path string, members []bundleMember) {
	t.Helper()
	var buf bytes.Buffer
	bw, err := newBundleWriter(&buf, testStart)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range members {
		if err := bw.addBytes(m.name, m.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := bw.close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

func memberData(t testing.TB, members []bundleMember, name string) []byte {
	t.Helper()
	for _, m := range members {
		if m.name == name {
			return m.data
		}
	}
	t.Fatalf("no member %s", name)
	return nil
}

// testSigners are the seeds of the keys tests sign with; verifyOpts pins
// them all ("attacker" is never pinned).
var testSigners = []string{"key-a", "key-b", "merger", "golden", "a", "k", "bench"}

// verifyOpts verifies against the embedded matrix with every test signer
// pinned.
func verifyOpts() VerifyOptions {
	o := unpinnedOpts()
	for _, seed := range testSigners {
		o.PublicKeys = append(o.PublicKeys, testKey(seed).Public().(ed25519.PublicKey))
	}
	return o
}

// unpinnedOpts verifies without any pinned key.
func unpinnedOpts() VerifyOptions { return VerifyOptions{Matrices: fakeLoader{}} }
