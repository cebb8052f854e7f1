package demoapp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"
)

// webhookPath is where the app receives 3-D Secure challenges.
const webhookPath = "/webhooks/3ds"

// webhooks is the app's 3-D Secure webhook receiver: Axys posts {"cardId":…}
// when a card-not-present authorisation needs an OTP; the body carries no
// OTP, so the app then fetches it with the listener's token.
//
// It accepts bodies up to 4 KiB, answers 204 to a well-formed challenge and
// 400 otherwise, and queues the card ids for the script to pick up.
type webhooks struct {
	srv  *http.Server
	ln   net.Listener
	log  *slog.Logger
	done chan struct{}

	// mu guards cards and notify.
	mu     sync.Mutex
	cards  []int64
	notify chan struct{}
}

// startWebhooks listens on addr and serves until close.
func startWebhooks(addr string, log *slog.Logger) (*webhooks, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen for webhooks on %s: %w", addr, err)
	}
	wh := &webhooks{ln: ln, log: log, done: make(chan struct{}), notify: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+webhookPath, wh.receive)
	wh.srv = &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
		IdleTimeout:       30 * time.Second,
	}
	go func() {
		defer close(wh.done)
		if err := wh.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("webhook server stopped", "err", err)
		}
	}()
	return wh, nil
}

// URL is the webhook URL given to POST /otp/listeners.
func (wh *webhooks) URL() string { return "http://" + wh.ln.Addr().String() + webhookPath }

func (wh *webhooks) receive(w http.ResponseWriter, r *http.Request) {
	var body struct {
		CardID *int64 `json:"cardId"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 4<<10)).Decode(&body); err != nil || body.CardID == nil {
		http.Error(w, `{"status":"error","message":"expected {\"cardId\":…}"}`, http.StatusBadRequest)
		return
	}
	wh.log.Info("3ds webhook received", "card_id", *body.CardID)
	wh.mu.Lock()
	wh.cards = append(wh.cards, *body.CardID)
	close(wh.notify)
	wh.notify = make(chan struct{})
	wh.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// wait returns once a challenge for cardID has arrived (consuming it), or
// fails when ctx ends first.
func (wh *webhooks) wait(ctx context.Context, cardID int64) error {
	for {
		wh.mu.Lock()
		for i, id := range wh.cards {
			if id == cardID {
				wh.cards = append(wh.cards[:i], wh.cards[i+1:]...)
				wh.mu.Unlock()
				return nil
			}
		}
		ch := wh.notify
		wh.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("wait for the 3ds webhook of card %d: %w", cardID, ctx.Err())
		}
	}
}

// close stops the server, waiting at most 5 s for requests in flight.
func (wh *webhooks) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := wh.srv.Shutdown(ctx); err != nil {
		wh.log.Warn("webhook server shutdown", "err", err)
		wh.srv.Close()
	}
	<-wh.done
}
