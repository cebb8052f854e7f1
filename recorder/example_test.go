package recorder_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/evidence-proxy/evidence-proxy/recorder"
)

func Example() {
	dir, err := os.MkdirTemp("", "evidence-example")
	if err != nil {
		log.Fatal(err)
	}
	defer func() { _ = os.RemoveAll(dir) }()

	key, err := recorder.LoadOrCreateKey(filepath.Join(dir, "redaction.key"))
	if err != nil {
		log.Fatal(err)
	}
	red, err := recorder.NewRedactor(key, recorder.RedactOptions{})
	if err != nil {
		log.Fatal(err)
	}
	store, err := recorder.Open(filepath.Join(dir, "evidence.db"), recorder.Options{Redactor: red})
	if err != nil {
		log.Fatal(err)
	}

	ctx := context.Background()
	body := []byte(`{"currentPin":"1234","newPin":"9876"}`)
	rec := &evidence.Record{
		Time: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC),
		Mode: evidence.ModeBaseURL,
		Request: evidence.Request{
			Method: http.MethodPut,
			URL:    "https://staging.api.axyscards.com/v2/cards/9104/pin",
			Header: http.Header{"X-Api-Key": {"sk_staging_secret"}},
			Body:   evidence.NewBody(body, int64(len(body)), false),
		},
		Response: &evidence.Response{Status: 200, Body: evidence.NewBody([]byte(`{"status":"success"}`), 20, false)},
	}
	// Sync durability: Record returns once the record is on disk.
	if err := store.Record(ctx, rec); err != nil {
		log.Fatal(err)
	}

	err = store.Iterate(ctx, 1, func(r *evidence.Record) error {
		fmt.Println(r.Seq, r.Request.Method, r.Response.Status, "redactions:", r.Redactions)
		fmt.Println(r.Request.Header.Get("X-Api-Key") == red.Fingerprint("sk_staging_secret"))
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := store.VerifyChain(ctx); err != nil {
		log.Fatal(err)
	}
	if err := store.Close(ctx); err != nil {
		log.Fatal(err)
	}
	// Output:
	// 1 PUT 200 redactions: 3
	// true
}
