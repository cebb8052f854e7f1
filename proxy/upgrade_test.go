package proxy_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/evidence-proxy/evidence-proxy/proxy"
)

// TestUpgradeRelayed checks that a 101 Switching Protocols answer still
// works through the recording round trip in both modes: the handshake is
// recorded and the upgraded bytes are relayed.
func TestUpgradeRelayed(t *testing.T) {
	e := newEnv(t, envConfig{handler: http.HandlerFunc(upgradeEcho)})
	const handshake = "GET /v2/events HTTP/1.1\r\nHost: " + proxy.StagingHost +
		"\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n"
	conns := map[string]func(t *testing.T) net.Conn{
		"base-url": func(t *testing.T) net.Conn { return dialProxy(t, e) },
		"mitm":     func(t *testing.T) net.Conn { return openTunnel(t, e) },
	}
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			e.rec.reset()
			conn := conns[m.name](t)
			_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
			writeString(t, conn, handshake)
			br := bufio.NewReader(conn)
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != http.StatusSwitchingProtocols {
				t.Fatalf("status %d", resp.StatusCode)
			}
			writeString(t, conn, "ping-pong")
			got := make([]byte, len("ping-pong"))
			if _, err := io.ReadFull(br, got); err != nil || string(got) != "ping-pong" {
				t.Fatalf("relayed %q, %v", got, err)
			}
			conn.Close()
			waitFor(t, "the record", func() bool { return len(e.rec.records()) == 1 })
			if rec := e.rec.only(t); rec.Response == nil || rec.Response.Status != http.StatusSwitchingProtocols {
				t.Errorf("record response %+v", rec.Response)
			}
		})
	}
}

// upgradeEcho switches to a protocol that echoes bytes back.
func upgradeEcho(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Upgrade") != "websocket" {
		http.Error(w, "upgrade required", http.StatusUpgradeRequired)
		return
	}
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	_, _ = buf.WriteString("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n")
	_ = buf.Flush()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	_, _ = io.Copy(conn, buf)
}
