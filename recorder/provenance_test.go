package recorder

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/evidence-proxy/evidence-proxy/provenance"
	"github.com/google/go-cmp/cmp"
)

func sampleProvenance(instance string) *evidence.Provenance {
	t0 := time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)
	return &evidence.Provenance{
		InstanceID: instance,
		Starts:     []evidence.Start{{Time: t0, ToolVersion: "v1.2.3"}},
		Origins: []evidence.Origin{{Scheme: "https", Host: "staging.api.axyscards.com", Port: "443",
			Chains: []evidence.Chain{{Leaf: evidence.Cert{Subject: "CN=staging.api.axyscards.com", SHA256: strings.Repeat("ab", 32), DER: []byte{1, 2, 3}},
				Root: evidence.Cert{Subject: "CN=Root"}, VerifiedBy: evidence.VerifiedBySystem, Class: evidence.ClassAxysStaging, ObservedAt: t0}}}},
		ClientCerts: []evidence.Cert{{Subject: "CN=app,OU=Pilot,O=Acme", Tenant: "Acme", Programs: []string{"Pilot"}, SHA256: strings.Repeat("cd", 32)}},
	}
}

// TestStoreProvenance: provenance saved in a store survives a reopen and a
// snapshot, a store without any returns nil, and a read-only store refuses
// to save.
func TestStoreProvenance(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "evidence.db")
	s, err := Open(path, Options{Redactor: newTestRedactor(t, RedactOptions{})})
	if err != nil {
		t.Fatal(err)
	}
	if p, err := s.Provenance(); err != nil || p != nil {
		t.Fatalf("a new store: provenance %+v, err %v; want none", p, err)
	}
	if err := s.Record(context.Background(), sampleRecord(1, time.Now(), 200)); err != nil {
		t.Fatal(err)
	}
	want := sampleProvenance(s.InstanceID())
	for range 2 { // the second save replaces the first
		if err := s.SaveProvenance(want); err != nil {
			t.Fatal(err)
		}
	}
	var snap bytes.Buffer
	if _, err := s.WriteSnapshot(&snap); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	snapPath := filepath.Join(dir, "snapshot.db")
	if err := os.WriteFile(snapPath, snap.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, snapPath} {
		ro, err := OpenReadOnly(p)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ro.Provenance()
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(got, want); diff != "" {
			t.Errorf("%s: provenance (-got +want):\n%s", filepath.Base(p), diff)
		}
		if err := ro.SaveProvenance(want); err == nil {
			t.Errorf("%s: SaveProvenance on a read-only store succeeded", filepath.Base(p))
		}
		if seq, _ := ro.Head(); seq != 1 {
			t.Errorf("%s: head %d, want 1", filepath.Base(p), seq)
		}
		ro.Close(context.Background())
	}
}

// TestStoreIsTheCollectorsSaver: a collector saving into a store, started
// twice on it, keeps both starts and the client certificate.
func TestStoreIsTheCollectorsSaver(t *testing.T) {
	path := filepath.Join(t.TempDir(), "evidence.db")
	for i, version := range []string{"v1", "v2"} {
		s := openTestStoreAt(t, path, Options{})
		prev, err := s.Provenance()
		if err != nil {
			t.Fatal(err)
		}
		col, err := provenance.NewCollector(provenance.Options{InstanceID: s.InstanceID(), ToolVersion: version, Previous: prev, Saver: s})
		if err != nil {
			t.Fatal(err)
		}
		if err := col.Flush(); err != nil {
			t.Fatal(err)
		}
		got, err := s.Provenance()
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Starts) != i+1 || got.Starts[i].ToolVersion != version || got.InstanceID != s.InstanceID() {
			t.Errorf("run %d: starts %+v, instance %s", i+1, got.Starts, got.InstanceID)
		}
		if err := s.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
}
