package main

import (
	"bytes"
	"context"
	"encoding/json"
	"github.com/quita-bot/quita/console"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/quita-bot/quita/config"
	"github.com/quita-bot/quita/storage"
	"github.com/quita-bot/quita/storage/redistest"
)

// Password hashes at the minimum cost: bcrypt's production cost under -race
// on two cores would make each account take seconds.
func init() { console.SetPasswordCost(4) }

func TestHandoffIdleSettings(t *testing.T) {
	var file config.File
	if err := yaml.Unmarshal([]byte(`
creditors:
  - id: loja
    name: Loja
    cnpj: 12.345.678/0001-95
    handoff:
      idle_minutes: 7
  - id: banco
    name: Banco
    cnpj: 98.765.432/0001-10
`), &file); err != nil {
		t.Fatal(err)
	}
	dir := config.NewDirectory(file)
	tests := []struct {
		env     string
		idle    time.Duration
		wantErr bool
	}{
		{"", 15 * time.Minute, false},
		{"5m", 5 * time.Minute, false},
		{"90s", 90 * time.Second, false},
		{"quinze", 0, true},
		{"-1m", 0, true},
	}
	for _, tc := range tests {
		t.Run("QUITA_AGENT_IDLE="+tc.env, func(t *testing.T) {
			idle, by, err := handoffIdle(tc.env, dir)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if err != nil {
				if !strings.Contains(err.Error(), "QUITA_AGENT_IDLE") {
					t.Fatalf("error %q does not name the variable", err)
				}
				return
			}
			if idle != tc.idle || by["loja"] != 7*time.Minute || len(by) != 1 {
				t.Fatalf("idle %s by creditor %v, want %s and loja 7m", idle, by, tc.idle)
			}
		})
	}
}

// apiCall runs one agent API request against the service.
func apiCall(t *testing.T, s *service, method, path, token, body string) (int, string) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := s.app.Test(req, 10000)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestConsoleServedByServe(t *testing.T) {
	r := redistest.New(t)
	cfg := testConfig(t, r.URL, r.Prefix)
	cfg.AdminToken = "admin-token-for-the-console-test"
	t.Setenv("QUITA_BOOTSTRAP_ADMIN", "chefe@quita.test:senha-do-chefe")
	s, _ := startService(t, cfg)
	if _, err := s.store.Agent(context.Background(), "chefe@quita.test"); err != nil {
		t.Fatalf("bootstrap admin not created: %v", err)
	}
	resp, err := s.app.Test(httptest.NewRequest("GET", "/console/", nil), 5000)
	if err != nil || resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("GET /console/ = %v %v, want 303 to the login", resp.StatusCode, err)
	}
	if code, _ := apiCall(t, s, "GET", "/api/v1/agent/queue", "", ""); code != 401 {
		t.Fatalf("API without token = %d, want 401", code)
	}
	code, body := apiCall(t, s, "POST", "/api/v1/agents", cfg.AdminToken, `{"email":"bia@quita.test","role":"agent","password":"senha-da-bia"}`)
	if code != 201 {
		t.Fatalf("create agent = %d %s", code, body)
	}
	var created struct{ Token string }
	if err := json.Unmarshal([]byte(body), &created); err != nil {
		t.Fatal(err)
	}

	const phone = "+5511987650001" // Ana, in the demo portfolio
	simulatorSay(t, s, phone, "quero falar com um atendente")
	deadline := time.Now().Add(15 * time.Second)
	for {
		_, q := apiCall(t, s, "GET", "/api/v1/agent/queue", created.Token, "")
		if strings.Contains(q, phone) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the conversation never reached the queue: %s", q)
		}
		time.Sleep(20 * time.Millisecond)
	}
	conv := "/api/v1/agent/conversations/%2B5511987650001"
	for _, step := range []struct{ action, body string }{
		{"claim", ""}, {"reply", `{"text":"Oi, Ana! Aqui é a Bia."}`}, {"handback", `{"resume":"menu"}`},
	} {
		if code, body := apiCall(t, s, "POST", conv+"/"+step.action, created.Token, step.body); code != 200 {
			t.Fatalf("%s = %d %s", step.action, code, body)
		}
	}
	deadline = time.Now().Add(15 * time.Second)
	for {
		tr := simulatorTranscript(t, s, phone)
		var saw bool
		for _, e := range tr {
			saw = saw || (e.Direction == "out" && e.Text == "Oi, Ana! Aqui é a Bia.")
		}
		if saw {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the agent's reply never reached the debtor: %+v", tr)
		}
		time.Sleep(20 * time.Millisecond)
	}
	c, err := s.bot.Conversation(context.Background(), phone)
	if err != nil || c.Handoff.Active() {
		t.Fatalf("after hand-back handoff = %+v, %v; want the bot back", c.Handoff, err)
	}
}

func TestAgentsAddWithoutServerWritesTheSnapshot(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("REDIS_URL", "")
	t.Setenv("QUITA_DATA_DIR", dir)
	t.Setenv("QUITA_AGENT_PASSWORD", "")
	t.Setenv("QUITA_REDIS_PREFIX", "quita")
	var out bytes.Buffer
	err := agentsAdd(context.Background(), []string{"--email", "Ana@Quita.test", "--role", "admin"},
		strings.NewReader("senha-da-ana\n"), &out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "API token (shown only now): qa_") {
		t.Fatalf("output = %q, want the API token", out.String())
	}
	e, err := storage.StartEmbedded(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	rdb, err := storage.Connect(context.Background(), e.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	a, err := storage.New(rdb, "quita").Agent(context.Background(), "ana@quita.test")
	if err != nil || a.Role != storage.RoleAdmin {
		t.Fatalf("agent in the snapshot = %+v, %v", a, err)
	}
}
