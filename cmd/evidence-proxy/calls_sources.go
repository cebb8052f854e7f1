package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/evidence-proxy/evidence-proxy/coverage"
	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/evidence-proxy/evidence-proxy/export"
	"github.com/evidence-proxy/evidence-proxy/export/bundlecov"
	"github.com/evidence-proxy/evidence-proxy/internal/admin"
	"github.com/evidence-proxy/evidence-proxy/internal/secretfile"
)

// storeCalls reads a stopped store (or a snapshot of one).
type storeCalls struct {
	store  storeFlags
	matrix string
}

func (s *storeCalls) list(ctx context.Context, f coverage.CallFilter, limit int) (callListing, error) {
	store, err := s.store.openForRead()
	if err != nil {
		return callListing{}, err
	}
	defer closeStore(ctx, store)()
	rows := lastRows{limit: limit}
	err = store.Iterate(ctx, max(f.FromSeq, 1), func(r *evidence.Record) error {
		if f.ToSeq != 0 && r.Seq > f.ToSeq {
			return errStopCalls
		}
		if f.Match(r) {
			rows.add(callRow{CallSummary: coverage.SummarizeCall(r)})
		}
		return nil
	})
	if err != nil && !errors.Is(err, errStopCalls) {
		return callListing{}, fmt.Errorf("read store: %w", err)
	}
	return rows.listing(), nil
}

func (s *storeCalls) show(ctx context.Context, seq uint64, instance string) (admin.CallDetail, error) {
	if instance != "" {
		return admin.CallDetail{}, newUsageError("--instance goes with --bundle (a store has one instance)")
	}
	store, err := s.store.openForRead()
	if err != nil {
		return admin.CallDetail{}, err
	}
	defer closeStore(ctx, store)()
	rec, err := admin.FindRecord(ctx, store, seq)
	if err != nil {
		return admin.CallDetail{}, err
	}
	m, err := loadMatrix(s.matrix)
	if err != nil {
		return admin.CallDetail{}, err
	}
	rep, err := storeReport(ctx, store, m)
	if err != nil {
		return admin.CallDetail{}, err
	}
	return admin.CallDetail{Record: rec, EvidenceFor: evidenceRefs(rep, seq)}, nil
}

// errStopCalls ends a store iteration early.
var errStopCalls = errors.New("stop")

func evidenceRefs(rep *coverage.Report, seq uint64) []admin.EvidenceRef {
	out := []admin.EvidenceRef{}
	for _, q := range coverage.EvidenceFor(rep, seq) {
		out = append(out, admin.EvidenceRef{ID: q.ID, Title: q.Title, Status: q.Status})
	}
	return out
}

// bundleCalls reads a bundle's records as verify does: every record is
// chain-checked against the manifest on the way, with the coverage report
// recomputed from them and the embedded matrix (bundlecov), whose evidence
// says what a record is evidence for. The signer is not pinned: the
// listing is not a verdict on the bundle (verify --pubkey is).
type bundleCalls struct {
	path string
}

// read verifies the bundle, handing each record and its source's instance
// to fn, and returns the recomputed report.
func (b *bundleCalls) read(ctx context.Context, fn func(instance string, rec *evidence.Record)) (*coverage.Report, error) {
	var rep *coverage.Report
	loader := bundlecov.Loader{OnReport: func(r *coverage.Report, _ *coverage.Matrix) { rep = r }, OnRecord: fn}
	_, err := export.Verify(ctx, b.path, export.VerifyOptions{Matrices: loader})
	if err != nil && !errors.Is(err, export.ErrUnauthenticated) {
		return nil, fmt.Errorf("read bundle: %w", err)
	}
	return rep, nil
}

func (b *bundleCalls) list(ctx context.Context, f coverage.CallFilter, limit int) (callListing, error) {
	rows := lastRows{limit: limit}
	instances := map[string]bool{}
	if _, err := b.read(ctx, func(instance string, rec *evidence.Record) {
		instances[instance] = true
		if f.Match(rec) {
			rows.add(callRow{Instance: instance, CallSummary: coverage.SummarizeCall(rec)})
		}
	}); err != nil {
		return callListing{}, err
	}
	l := rows.listing()
	if len(instances) == 1 {
		for i := range l.Calls {
			l.Calls[i].Instance = ""
		}
	}
	return l, nil
}

func (b *bundleCalls) show(ctx context.Context, seq uint64, instance string) (admin.CallDetail, error) {
	var found []*evidence.Record
	var where []string
	rep, err := b.read(ctx, func(inst string, rec *evidence.Record) {
		if rec.Seq == seq && (instance == "" || inst == instance) {
			found, where = append(found, copyRecord(rec)), append(where, inst)
		}
	})
	switch {
	case err != nil:
		return admin.CallDetail{}, err
	case len(found) == 0:
		return admin.CallDetail{}, fmt.Errorf("record %d: %w in %s", seq, admin.ErrNoRecord, b.path)
	case len(found) > 1:
		return admin.CallDetail{}, newUsageError("record %d is in %d sources of this merged bundle: give --instance (%s)", seq, len(found), strings.Join(where, ", "))
	}
	d := admin.CallDetail{Record: found[0], EvidenceFor: []admin.EvidenceRef{}}
	if rep != nil {
		d.EvidenceFor = evidenceRefs(rep, seq)
	}
	return d, nil
}

// copyRecord deep-copies a record: Observe's records must not be kept.
func copyRecord(rec *evidence.Record) *evidence.Record {
	b, err := json.Marshal(rec)
	out := new(evidence.Record)
	if err != nil || json.Unmarshal(b, out) != nil {
		c := *rec
		return &c
	}
	return out
}

// adminCalls asks a running sidecar's admin listener.
type adminCalls struct {
	url       string
	tokenFile string
}

func (a *adminCalls) list(ctx context.Context, f coverage.CallFilter, limit int) (callListing, error) {
	if limit > admin.MaxCallLimit {
		return callListing{}, newUsageError("--limit %d: a running sidecar lists at most %d calls at a time (narrow with --seq or --since)", limit, admin.MaxCallLimit)
	}
	q := admin.CallQuery(f, limit)
	q.Set("format", "json")
	var l admin.CallList
	if err := a.get(ctx, "/calls", q, &l); err != nil {
		return callListing{}, err
	}
	out := callListing{Calls: make([]callRow, len(l.Calls)), More: l.More}
	for i, c := range l.Calls {
		out.Calls[i] = callRow{CallSummary: c}
	}
	return out, nil
}

func (a *adminCalls) show(ctx context.Context, seq uint64, instance string) (admin.CallDetail, error) {
	if instance != "" {
		return admin.CallDetail{}, newUsageError("--instance goes with --bundle (a sidecar has one instance)")
	}
	var d admin.CallDetail
	err := a.get(ctx, "/calls/"+strconv.FormatUint(seq, 10), url.Values{"format": {"json"}}, &d)
	return d, err
}

// get asks the admin listener for path and decodes its JSON answer.
func (a *adminCalls) get(ctx context.Context, path string, q url.Values, v any) error {
	u, err := url.Parse(strings.TrimSuffix(a.url, "/") + path)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return newUsageError("--from %q: want the admin listener's URL, e.g. http://127.0.0.1:9090", a.url)
	}
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return newUsageError("--from %q: %v", a.url, err)
	}
	if a.tokenFile != "" {
		token, err := secretfile.ReadToken(a.tokenFile)
		if err != nil {
			return fmt.Errorf("--admin-token-file: %w", err)
		}
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("ask the sidecar: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("ask the sidecar: %w", err)
	}
	switch {
	case resp.StatusCode == http.StatusNotFound && strings.HasPrefix(path, "/calls/"):
		return fmt.Errorf("%s: %w", strings.TrimSpace(string(body)), admin.ErrNoRecord)
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("ask the sidecar: %s answered %s: %s", u.Redacted(), resp.Status, strings.TrimSpace(terminalText(string(body))))
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("ask the sidecar: read its answer: %w", err)
	}
	return nil
}
