package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/quita-bot/quita/config"
	"github.com/quita-bot/quita/storage/redistest"
)

// testConfig is a production-like configuration on the test's Redis.
func testConfig(t testing.TB, redisURL, prefix string) config.Config {
	t.Helper()
	cfg, err := config.FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	cfg.Addr, cfg.RedisURL, cfg.RedisPrefix = "127.0.0.1:0", redisURL, prefix
	cfg.DataDir, cfg.Secret, cfg.Simulator, cfg.Demo = t.TempDir(), "test-secret-test-secret-test-secret", true, true
	if redisURL != "" { // production mode refuses the demo's example identities
		cfg.ConfigFile = productionTestConfig(t)
	}
	cfg.ShutdownTimeout = 5 * time.Second
	return cfg
}

// productionTestConfig is the path of a production-shaped creditor file
// (a production start refuses the demo's example identities).
func productionTestConfig(t testing.TB) string {
	t.Helper()
	path, err := filepath.Abs("../../config/testdata/production.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// startService runs a service until the test ends (or stop is called).
func startService(t testing.TB, cfg config.Config) (s *service, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s, err := newService(ctx, cfg, slog.New(slog.DiscardHandler), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.run(ctx) }()
	var stopped bool
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("service stopped with %v", err)
		}
	}
	t.Cleanup(stop)
	return s, stop
}

type transcriptEntry struct {
	Direction string `json:"direction"`
	Text      string `json:"text"`
	Status    string `json:"status"`
}

func simulatorSay(t testing.TB, s *service, from, text string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/simulator/api/messages", strings.NewReader(`{"from":"`+from+`","text":"`+text+`"}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.app.Test(req, 5000)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusAccepted {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("POST /simulator/api/messages = %d %s, want 202", resp.StatusCode, b)
	}
}

func simulatorTranscript(t testing.TB, s *service, phone string) []transcriptEntry {
	t.Helper()
	resp, err := s.app.Test(httptest.NewRequest(http.MethodGet, "/simulator/api/conversations/"+phone+"/messages", nil), 5000)
	if err != nil {
		t.Fatal(err)
	}
	var out []transcriptEntry
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

// waitTranscript polls the simulator API until the transcript has n entries.
func waitTranscript(t testing.TB, s *service, phone string, n int) []transcriptEntry {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		tr := simulatorTranscript(t, s, phone)
		if len(tr) >= n && tr[len(tr)-1].Status != "queued" {
			return tr
		}
		if time.Now().After(deadline) {
			t.Fatalf("transcript stayed at %d entries, want %d: %+v", len(tr), n, tr)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestSimulatorGreetingEndToEnd(t *testing.T) {
	r := redistest.New(t)
	s, _ := startService(t, testConfig(t, r.URL, r.Prefix))
	simulatorSay(t, s, "+5511912345678", "oi")
	tr := waitTranscript(t, s, "+5511912345678", 2)
	if len(tr) != 2 {
		t.Fatalf("transcript = %+v, want the message and exactly one reply", tr)
	}
	if tr[0].Direction != "in" || tr[0].Text != "oi" {
		t.Fatalf("first entry = %+v, want the debtor's oi", tr[0])
	}
	if tr[1].Direction != "out" || !strings.Contains(tr[1].Text, "Loja Exemplo") || tr[1].Status != "delivered" {
		t.Fatalf("reply = %+v, want a delivered greeting naming Loja Exemplo", tr[1])
	}
}

func TestEmbeddedModeKeepsDataAcrossRestart(t *testing.T) {
	cfg := testConfig(t, "", "quita")
	s, stop := startService(t, cfg)
	simulatorSay(t, s, "+5511987650002", "oi")
	before := waitTranscript(t, s, "+5511987650002", 2)
	stop() // graceful: drains and snapshots to the data dir

	s2, _ := startService(t, cfg)
	after := simulatorTranscript(t, s2, "+5511987650002")
	if len(after) != len(before) || after[0].Text != "oi" || after[1].Text != before[1].Text {
		t.Fatalf("after restart transcript = %+v, want %+v", after, before)
	}
	c, err := s2.bot.Conversation(context.Background(), "+5511987650002")
	if err != nil || c.State == "" {
		t.Fatalf("conversation state after restart = %+v, %v; want the saved state", c, err)
	}
}

// /readyz reports Redis and each channel: the demo has the simulator only.
func TestReadyzReportsRedisAndChannels(t *testing.T) {
	r := redistest.New(t)
	s, _ := startService(t, testConfig(t, r.URL, r.Prefix))
	resp, err := s.app.Test(httptest.NewRequest(http.MethodGet, "/readyz", nil), 5000)
	if err != nil {
		t.Fatal(err)
	}
	var body struct {
		Status   string            `json:"status"`
		Redis    string            `json:"redis"`
		Channels map[string]string `json:"channels"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || body.Status != "ready" || body.Redis != "ok" || body.Channels["simulator"] != "in-process" {
		t.Fatalf("/readyz = %d %+v, want ready with redis ok and the simulator in-process", resp.StatusCode, body)
	}
}

// QUITA_REDIS_AUTOPIPELINE=on runs the same pipeline through go-redis
// autopipelining: the greeting still goes end to end.
func TestSimulatorGreetingWithAutopipelining(t *testing.T) {
	r := redistest.New(t)
	cfg := testConfig(t, r.URL, r.Prefix)
	cfg.AutoPipeline = true
	s, _ := startService(t, cfg)
	simulatorSay(t, s, "+5511912345678", "oi")
	tr := waitTranscript(t, s, "+5511912345678", 2)
	if len(tr) != 2 || tr[1].Direction != "out" || tr[1].Status != "delivered" {
		t.Fatalf("transcript = %+v, want the message and one delivered reply", tr)
	}
}
