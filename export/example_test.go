package export_test

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/evidence-proxy/evidence-proxy/export"
)

// memStore is a record source held in memory.
type memStore []*evidence.Record

func (s memStore) Iterate(_ context.Context, from uint64, fn func(*evidence.Record) error) error {
	for _, r := range s {
		if r.Seq >= from {
			if err := fn(r); err != nil {
				return err
			}
		}
	}
	return nil
}

// exampleMatrix is the matrix countCoverage computes against; a bundle
// embeds it. (The real ones come from coverage.Matrix.Canonical, and
// package export/bundlecov adapts the coverage engine.)
const exampleMatrix = "id: example\nversion: 1\n"

// countCoverage is a stand-in for the coverage package: it counts calls.
type countCoverage struct{}

// LoadMatrix makes countCoverage a MatrixLoader too: verify rebuilds the
// computation from the embedded matrix.
func (countCoverage) LoadMatrix(canonical []byte) (export.Coverage, export.MatrixDiff, error) {
	if string(canonical) != exampleMatrix {
		return nil, export.MatrixDiff{}, fmt.Errorf("unknown matrix")
	}
	return countCoverage{}, export.MatrixDiff{}, nil
}

func (countCoverage) New() export.CoverageRun { return &countRun{} }

type countRun struct{ calls int }

func (r *countRun) Observe(string, *evidence.Record) { r.calls++ }

func (r *countRun) Files() (map[string][]byte, export.MatrixInfo, error) {
	report := fmt.Sprintf("%d calls\n", r.calls)
	return map[string][]byte{
			export.CoverageJSON: []byte(fmt.Sprintf("{\"calls\":%d}\n", r.calls)),
			export.CoverageMD:   []byte(report),
			export.CoverageHTML: []byte("<p>" + report + "</p>\n"),
		}, export.MatrixInfo{ID: "example", Version: "1",
			SHA256: fmt.Sprintf("%x", sha256.Sum256([]byte(exampleMatrix)))},
		nil
}

func Example() {
	dir, err := os.MkdirTemp("", "bundle-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	// Two sealed calls, as the recorder would store them.
	var store memStore
	prev := evidence.GenesisHash
	for seq := uint64(1); seq <= 2; seq++ {
		rec := &evidence.Record{V: evidence.Version, Seq: seq, Kind: evidence.KindCall,
			Time:     time.Date(2026, 3, 14, 9, 0, int(seq), 0, time.UTC),
			Request:  evidence.Request{Method: "GET", URL: "https://staging.api.axyscards.com/v2/cards"},
			Response: &evidence.Response{Status: 200, Body: evidence.NewBody([]byte(`{"data":[]}`), 11, false)}}
		if err := rec.Seal(prev); err != nil {
			log.Fatal(err)
		}
		prev = rec.Hash
		store = append(store, rec)
	}

	seed := sha256.Sum256([]byte("example key"))
	key := ed25519.NewKeyFromSeed(seed[:])
	bundle := filepath.Join(dir, "evidence.tar.zst")
	m, err := export.Write(context.Background(), bundle, store, export.Options{
		InstanceID: "replica-a",
		Signer:     key,
		Coverage:   countCoverage{},
		Matrix:     []byte(exampleMatrix),
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("exported", m.Records.Count, "records, chain head", m.Sources[0].ChainHead == prev)

	// Without a pinned key, an intact bundle is still not verified.
	_, err = export.Verify(context.Background(), bundle, export.VerifyOptions{Matrices: countCoverage{}})
	fmt.Println("unpinned:", export.ExitCode(err), errors.Is(err, export.ErrUnauthenticated))

	res, err := export.Verify(context.Background(), bundle, export.VerifyOptions{
		PublicKeys: []ed25519.PublicKey{key.Public().(ed25519.PublicKey)},
		Matrices:   countCoverage{},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Lines()[0])
	fmt.Println(res.Verdict)
	// Output:
	// exported 2 records, chain head true
	// unpinned: 3 true
	// environment  NOT AXYS STAGING: 2 calls to https://staging.api.axyscards.com:443 (other): 2 calls over a server certificate never observed
	// OK: other; 2 records (replica-a: seq 1-2), chain hashes recomputed, 8 members match the manifest, provenance, coverage and HAR recomputed identically: signed by key 1a8f706786d41630 (pinned)
}
