package portfolio

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/quita-bot/quita/bot"
	"github.com/quita-bot/quita/channels"
	"github.com/quita-bot/quita/config"
	"github.com/quita-bot/quita/dialogs"
	"github.com/quita-bot/quita/storage/redistest"
)

// thanksDialog answers a payment confirmation with "obrigado".
type thanksDialog struct{}

func (thanksDialog) Step(c dialogs.Conversation, ev dialogs.Event, _ time.Time) (dialogs.Conversation, []dialogs.Action, error) {
	if ev.Kind == dialogs.EventPaymentConfirmed {
		return c, []dialogs.Action{{Kind: dialogs.ActSend, Message: &dialogs.Message{Text: "obrigado " + ev.DebtID}}}, nil
	}
	return c, nil, nil
}

type memChannel struct {
	mu   sync.Mutex
	sent []string
}

func (m *memChannel) Name() string { return channels.WhatsApp }
func (m *memChannel) Send(_ context.Context, o channels.Outbound) (channels.SendResult, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sent = append(m.sent, o.To+" "+o.Text)
	return channels.SendResult{ProviderID: o.ID}, nil
}

func TestAdminAPI(t *testing.T) {
	r := redistest.New(t)
	st := r.Store()
	now := func() time.Time { return time.Date(2026, 11, 24, 14, 0, 0, 0, time.UTC) }
	b := bot.New(st, thanksDialog{}, config.NewDirectory(config.DemoFile()), slog.New(slog.DiscardHandler), now,
		bot.Options{ReadBlock: 20 * time.Millisecond, RetryPoll: 10 * time.Millisecond})
	ch := &memChannel{}
	b.AddChannel(ch)
	sched := bot.NewScheduler(b, &bot.Compliance{Store: st, Default: bot.PresetBR}, nil, bot.SchedulerOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	if err := b.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); b.Wait() })
	app := fiber.New()
	(&API{Store: st, Scheduler: sched, Token: "s3cret", Importer: &Importer{Store: st, FirstReminder: sched.FirstReminder}}).Register(app)
	call := func(method, path, body, token string) (int, map[string]any) {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := app.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		var m map[string]any
		json.Unmarshal(raw, &m)
		return resp.StatusCode, m
	}
	if code, _ := call("GET", "/api/v1/debts?cpf=52998224725", "", "wrong"); code != 401 {
		t.Fatalf("wrong token: %d", code)
	}
	body := `[{"creditor":"loja-exemplo","debtor_name":"Ana","cpf":"529.982.247-25","phone":"11987650001","invoice":"NF-9","amount":"100,00","due_date":"2026-11-30"},
	          {"creditor":"loja-exemplo","debtor_name":"X","cpf":"123","phone":"1","invoice":"NF-10","amount":"0","due_date":"amanhã"}]`
	code, sum := call("POST", "/api/v1/debts", body, "s3cret")
	if code != 422 || sum["created"].(float64) != 1 || sum["failed"].(float64) != 1 || len(sum["errors"].([]any)) != 4 {
		t.Fatalf("POST /debts: %d %v", code, sum)
	}
	id := sum["debt_ids"].([]any)[0].(string)
	code, found := call("GET", "/api/v1/debts?phone=%2B5511987650001", "", "s3cret")
	if code != 200 || len(found["debts"].([]any)) != 1 {
		t.Fatalf("search by phone: %d %v", code, found)
	}
	code, one := call("GET", "/api/v1/debts/"+id, "", "s3cret")
	if code != 200 || one["amount_cents"].(float64) != 10000 || one["reminders"].(map[string]any)["next_at"] == nil {
		t.Fatalf("GET debt: %d %v", code, one)
	}
	code, paid := call("POST", "/api/v1/payments", `{"creditor":"loja-exemplo","invoice":"NF-9","amount_cents":10000}`, "s3cret")
	if code != 200 || paid["status"] != "paid" || paid["changed"] != true {
		t.Fatalf("payment: %d %v", code, paid)
	}
	if _, again := call("POST", "/api/v1/payments", `{"debt_id":"`+id+`"}`, "s3cret"); again["changed"] != false {
		t.Fatalf("a repeated payment changed something: %v", again)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		ch.mu.Lock()
		n := len(ch.sent)
		ch.mu.Unlock()
		if n >= 1 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if strings.Join(ch.sent, "|") != "+5511987650001 obrigado "+id {
		t.Fatalf("thank-you messages: %q", ch.sent)
	}
	_, one = call("GET", "/api/v1/debts/"+id, "", "s3cret")
	if one["status"] != "paid" || one["reminders"].(map[string]any)["next_at"] != nil {
		t.Fatalf("after payment: %v", one)
	}
	if code, rep := call("GET", "/api/v1/reports/variants", "", "s3cret"); code != 200 || rep["variants"] == nil {
		t.Fatalf("report: %d %v", code, rep)
	}
}
