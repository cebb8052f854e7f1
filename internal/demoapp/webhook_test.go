package demoapp

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestWebhookReceiver(t *testing.T) {
	wh, err := startWebhooks("127.0.0.1:0", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer wh.close()
	post := func(body string) int {
		t.Helper()
		resp, err := http.Post(wh.URL(), "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	tests := []struct {
		name, body string
		want       int
	}{
		{"challenge", `{"cardId":8001}`, http.StatusNoContent},
		{"no card", `{}`, http.StatusBadRequest},
		{"not json", `cardId=8001`, http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := post(tt.body); got != tt.want {
				t.Errorf("status %d, want %d", got, tt.want)
			}
		})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := wh.wait(ctx, 8001); err != nil {
		t.Fatalf("wait for card 8001: %v", err)
	}
	short, cancelShort := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancelShort()
	if err := wh.wait(short, 8001); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("second wait for card 8001 (already consumed): %v, want deadline exceeded", err)
	}
}

func TestWebhookWaitWakesOnDelivery(t *testing.T) {
	wh, err := startWebhooks("127.0.0.1:0", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer wh.close()
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		done <- wh.wait(ctx, 42)
	}()
	for _, body := range []string{`{"cardId":41}`, `{"cardId":42}`} {
		resp, err := http.Post(wh.URL(), "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if err := <-done; err != nil {
		t.Fatalf("wait for card 42: %v", err)
	}
}
