package simulator

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"github.com/quita-bot/quita/channels"
	"github.com/quita-bot/quita/channels/channeltest"
)

func TestAPI(t *testing.T) {
	sink := &channeltest.Sink{}
	var asked string
	transcripts := func(_ context.Context, phone string) ([]Entry, error) {
		asked = phone
		return []Entry{{ID: "1", Direction: "in", Text: "oi"}}, nil
	}
	app := fiber.New()
	Register(app, sink, transcripts, func() string { return "x1" })
	do := func(method, path, body string) (int, string) {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := app.Test(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}

	tests := []struct {
		name, body string
		want       int
	}{
		{"accepted", `{"from":"+55 11 98765-0001","text":"oi"}`, http.StatusAccepted},
		{"provider id kept for dedupe", `{"from":"+5511987650001","text":"oi","id":"abc"}`, http.StatusAccepted},
		{"not JSON", `oi`, http.StatusBadRequest},
		{"bad phone", `{"from":"12","text":"oi"}`, http.StatusBadRequest},
		{"empty text", `{"from":"+5511987650001","text":"  "}`, http.StatusBadRequest},
		{"too long", `{"from":"+5511987650001","text":"` + strings.Repeat("a", 5000) + `"}`, http.StatusRequestEntityTooLarge},
	}
	for _, tt := range tests {
		if code, body := do(http.MethodPost, "/simulator/api/messages", tt.body); code != tt.want {
			t.Errorf("%s: status %d %s, want %d", tt.name, code, body, tt.want)
		}
	}
	if len(sink.Inbound) != 2 {
		t.Fatalf("sink got %d messages, want the 2 valid ones", len(sink.Inbound))
	}
	if m := sink.Inbound[0]; m.From != "+5511987650001" || m.Channel != channels.Simulator || m.ProviderID != "sim-in-x1" || m.Text != "oi" {
		t.Errorf("first inbound = %+v", m)
	}
	if sink.Inbound[1].ProviderID != "abc" {
		t.Errorf("provider id = %q, want the one the client gave", sink.Inbound[1].ProviderID)
	}

	code, body := do(http.MethodGet, "/simulator/api/conversations/%2B5511987650001/messages", "")
	var entries []Entry
	if code != 200 || json.Unmarshal([]byte(body), &entries) != nil || len(entries) != 1 || asked != "+5511987650001" {
		t.Fatalf("transcript = %d %s (asked for %q)", code, body, asked)
	}
	if code, _ := do(http.MethodGet, "/simulator/api/conversations/abc/messages", ""); code != http.StatusBadRequest {
		t.Errorf("bad phone in path = %d, want 400", code)
	}
	if code, body := do(http.MethodGet, "/simulator", ""); code != 200 || !strings.Contains(body, "textContent") {
		t.Errorf("page = %d; the page must render debtor text with textContent (no HTML injection)", code)
	}
}
