package console

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/quita-bot/quita/bot"
	"github.com/quita-bot/quita/channels"
	"github.com/quita-bot/quita/config"
	"github.com/quita-bot/quita/dialogs"
)

// TestQueueShowsTheDisputedDebt: the demo's Ana verifies and disputes her
// debt; the dialog suspends it (disputed) and hands her to a person. The
// queue's Dívida column must show that debt, which is what the agent has
// to look at (it showed "—": only open debts were counted).
func TestQueueShowsTheDisputedDebt(t *testing.T) {
	ctx := context.Background()
	e := newEnvWith(t, dialogs.NewEngine(dialogs.EngineConfig{DefaultTimeZone: "America/Sao_Paulo"}), func(b *bot.Bot) {
		bot.NewScheduler(b, &bot.Compliance{Store: b.Store(), Default: bot.PresetBR}, nil, bot.SchedulerOptions{}) // its handlers suspend a disputed debt
	})
	const phone = "+5511987650001"
	if err := e.store.SaveDebtor(ctx, dialogs.Debtor{ID: "demo-ana", Name: "Ana Souza", CPF: "52998224725", Phones: []string{phone},
		Language: "pt", TimeZone: "America/Sao_Paulo", Channel: "whatsapp"}); err != nil {
		t.Fatal(err)
	}
	if err := e.store.SaveDebt(ctx, dialogs.Debt{ID: "demo-ana-1", CreditorID: config.DemoCreditorID, DebtorID: "demo-ana", Invoice: "NF-1001",
		Description: "Geladeira Frost Free, parcela 3/10", AmountCents: 35990, DueDate: time.Now().AddDate(0, 0, -12).Format(time.DateOnly),
		Status: dialogs.DebtOpen}); err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"oi", "529", "não reconheço essa compra"} {
		n := len(e.transcript(phone))
		if err := e.bot.Accept(ctx, channels.Inbound{Channel: channels.Simulator, From: phone, Text: text, ProviderID: "in-" + text}); err != nil {
			t.Fatal(err)
		}
		e.waitFor("the bot's answer to "+text, func() bool { return len(e.transcript(phone)) > n+1 })
	}
	e.waitFor("the debt suspended", func() bool {
		d, err := e.store.Debt(ctx, "demo-ana-1")
		return err == nil && d.Status == dialogs.DebtDisputed
	})
	e.waitFor("the conversation queued", func() bool { ok, _ := e.store.InHandoffQueue(ctx, phone); return ok })

	_, body := e.do(request{method: "GET", path: "/api/v1/agent/queue", token: e.tokens["ana@quita.test"]})
	var q Queue
	if err := json.Unmarshal([]byte(body), &q); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	if len(q.Waiting) != 1 || q.Waiting[0].Reason != dialogs.ReasonDispute {
		t.Fatalf("queue %s: want Ana's dispute waiting", body)
	}
	if it := q.Waiting[0]; it.Debts != 1 || it.OwedCents != 35990 || it.Disputed != 1 {
		t.Errorf("queue item: %d debts, %d cents, %d disputed; want the disputed R$ 359,90 debt", it.Debts, it.OwedCents, it.Disputed)
	}
	session, _ := e.login("ana@quita.test", "senha-da-ana")
	_, page := e.do(request{method: "GET", path: "/console/", cookies: session})
	start := strings.Index(page, `data-conv="&#43;`+phone[1:]+`"`) // html/template writes + as &#43; in attributes
	if start < 0 {
		t.Fatalf("no queue row for Ana:\n%s", page)
	}
	row := page[start:]
	row = row[:strings.Index(row, "</tr>")]
	if strings.Contains(row, "—") || !strings.Contains(row, "R$ 359,90") || !strings.Contains(row, "1 contestada") {
		t.Fatalf("queue row shows no debt:\n%s", row)
	}
}

func (e *env) transcript(conv string) []string {
	e.t.Helper()
	msgs, err := e.store.Transcript(context.Background(), conv, 0)
	if err != nil {
		e.t.Fatal(err)
	}
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = m.Text
	}
	return out
}

// waitFor polls a condition on state until it holds or 10 s pass.
func (e *env) waitFor(what string, cond func() bool) {
	e.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			e.t.Fatalf("timed out waiting for %s; transcript %q", what, e.transcript("+5511987650001"))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestDistressWhileQueuedOrHeldIsFlaggedAtOnce (issue 19 item 6): a debtor
// waiting for a person, then one talking with an agent, writes that they
// cannot go on. The queue shows the first as urgent distress at once, ahead
// of an older ask-for-a-person, and the debtor hears once that a person is
// coming and of CVV 188; the second stays with its agent, the bot says
// nothing, and the agent's list shows it urgent.
func TestDistressWhileQueuedOrHeldIsFlaggedAtOnce(t *testing.T) {
	ctx := context.Background()
	e := newEnvWith(t, dialogs.NewEngine(dialogs.EngineConfig{DefaultTimeZone: "America/Sao_Paulo"}), nil)
	say := func(phone, text string) {
		t.Helper()
		n := len(e.transcript(phone))
		if err := e.bot.Accept(ctx, channels.Inbound{Channel: channels.Simulator, From: phone, Text: text, ProviderID: "in-" + phone + text}); err != nil {
			t.Fatal(err)
		}
		e.waitFor("the step on "+text, func() bool { return len(e.transcript(phone)) > n })
	}
	queue := func() Queue {
		t.Helper()
		_, body := e.do(request{method: "GET", path: "/api/v1/agent/queue", token: e.tokens["ana@quita.test"]})
		var q Queue
		if err := json.Unmarshal([]byte(body), &q); err != nil {
			t.Fatalf("%v: %s", err, body)
		}
		return q
	}
	const older, waiting, held = "+5511987650011", "+5511987650012", "+5511987650013"
	for _, phone := range []string{older, waiting, held} {
		say(phone, "quero falar com uma pessoa")
		e.waitFor("queued", func() bool { ok, _ := e.store.InHandoffQueue(ctx, phone); return ok })
	}
	if resp, body := e.do(request{method: "POST", path: "/api/v1/agent/conversations/" + held + "/claim", token: e.tokens["ana@quita.test"]}); resp.StatusCode != 200 {
		t.Fatalf("claim: %d %s", resp.StatusCode, body)
	}

	say(waiting, "nao aguento mais, nao vejo saida")
	e.waitFor("the distress first in the queue", func() bool {
		q := queue()
		return len(q.Waiting) == 2 && q.Waiting[0].ID == waiting && q.Waiting[0].Priority == dialogs.PriorityUrgent && q.Waiting[0].Reason == dialogs.ReasonDistress
	})
	tr := strings.Join(e.transcript(waiting), "\n")
	if !strings.Contains(tr, "Avisei a nossa equipe") || !strings.Contains(tr, "188") {
		t.Fatalf("the waiting debtor was not told a person is coming and of CVV 188:\n%s", tr)
	}
	say(waiting, "nao aguento mais")
	if got := strings.Count(strings.Join(e.transcript(waiting), "\n"), "188"); got != 1 {
		t.Fatalf("CVV named %d times, want once", got)
	}

	n := len(e.transcript(held))
	say(held, "nao aguento mais, nao vejo saida")
	e.waitFor("the held conversation urgent", func() bool {
		q := queue()
		return len(q.Mine) == 1 && q.Mine[0].Priority == dialogs.PriorityUrgent && q.Mine[0].Reason == dialogs.ReasonDistress
	})
	if tr := e.transcript(held); len(tr) != n+1 {
		t.Fatalf("the bot spoke while an agent held the conversation: %q", tr[n:])
	}
}
