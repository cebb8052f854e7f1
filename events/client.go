package events

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// DefaultURL is where the receiver listens by default
// (--otlp-listen 127.0.0.1:4318).
const DefaultURL = "http://127.0.0.1:4318"

// ClientOptions configure Send. The zero value posts to DefaultURL with
// a client that times out after 10 seconds.
type ClientOptions struct {
	// URL is the receiver's base URL (its /events path is added) or the
	// full URL of its /events endpoint. Default DefaultURL.
	URL string
	// BearerToken is sent as "Authorization: Bearer <token>" when set.
	BearerToken string
	// HTTPClient sends the request. Nil means a client with a 10s timeout
	// that ignores proxy environment variables.
	HTTPClient *http.Client
}

// ParseArgs builds the entry of "evidence-proxy event NAME key=value…":
// each value is taken as a JSON literal when it parses as one (a number,
// true, false, null, a quoted string, an array or object), else as a
// string; so id=8812 is the number 8812 and id='"8812"' the string. The
// time is now.
func ParseArgs(name string, args []string, now time.Time) (Entry, error) {
	if strings.TrimSpace(name) == "" {
		return Entry{}, errors.New("parse event: no event name")
	}
	e := Entry{Name: name, Time: now.UTC().Format(time.RFC3339Nano)}
	for _, a := range args {
		k, v, ok := strings.Cut(a, "=")
		if !ok || k == "" {
			return Entry{}, fmt.Errorf("parse event attribute %q: want key=value", cutUTF8(a, 60))
		}
		if e.Attributes == nil {
			e.Attributes = map[string]any{}
		}
		e.Attributes[k] = literal(v)
	}
	return e, nil
}

// literal is v as a JSON value when it is one, else v as a string.
func literal(v string) any {
	t := strings.TrimSpace(v)
	if t == "" || !json.Valid([]byte(t)) {
		return v
	}
	return json.RawMessage(t)
}

// Send posts entries to the receiver's /events endpoint, marked as sent
// by the event command, and returns its answer. A request the receiver
// refused as a whole, or in which it rejected an entry, is an error that
// carries the receiver's message.
func Send(ctx context.Context, o ClientOptions, entries ...Entry) (Result, error) {
	if len(entries) == 0 {
		return Result{}, errors.New("send events: no event")
	}
	body, err := json.Marshal(entries)
	if err != nil {
		return Result{}, fmt.Errorf("send events: encode: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, eventsURL(o.URL), bytes.NewReader(body))
	if err != nil {
		return Result{}, fmt.Errorf("send events: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(SourceHeader, evidence.EventSourceCLI)
	if o.BearerToken != "" {
		req.Header.Set("Authorization", "Bearer "+o.BearerToken)
	}
	hc := o.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{Proxy: nil}}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return Result{}, fmt.Errorf("send events to %s: %w", req.URL.Redacted(), err)
	}
	defer resp.Body.Close()
	return readResult(resp)
}

// eventsURL is base with the /events path, unless it already has it.
func eventsURL(base string) string {
	if base == "" {
		base = DefaultURL
	}
	base = strings.TrimSuffix(base, "/")
	if strings.HasSuffix(base, PathEvents) {
		return base
	}
	return base + PathEvents
}

// readResult decodes the receiver's answer.
func readResult(resp *http.Response) (Result, error) {
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return Result{}, fmt.Errorf("read events answer: %w", err)
	}
	var res Result
	if json.Unmarshal(raw, &res) != nil {
		return Result{}, fmt.Errorf("events answer %s: %s", resp.Status, cutUTF8(strings.TrimSpace(string(raw)), 200))
	}
	switch {
	case res.Error != "":
		return res, fmt.Errorf("events refused (%s): %s", resp.Status, res.Error)
	case res.Rejected > 0:
		msgs := make([]string, 0, len(res.Errors))
		for _, e := range res.Errors {
			msgs = append(msgs, fmt.Sprintf("event %d: %s", e.Index, e.Message))
		}
		return res, fmt.Errorf("%d event(s) rejected: %s", res.Rejected, strings.Join(msgs, "; "))
	case resp.StatusCode != http.StatusOK:
		return res, fmt.Errorf("events answer %s", resp.Status)
	}
	return res, nil
}
