package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/quita-bot/quita/chatwoot"
	"github.com/quita-bot/quita/chatwoot/chatwoottest"
	"github.com/quita-bot/quita/dialogs"
	"github.com/quita-bot/quita/storage/redistest"
)

// handedToChatwoot verifies phone's debtor and hands the conversation to a
// person; it returns the open Chatwoot conversation.
func handedToChatwoot(t *testing.T, s *service, fake *chatwoottest.Server, phone, debt string) chatwoottest.Conversation {
	t.Helper()
	seedDebtor(t, s, "loja-exemplo", phone, debt, 45000)
	converse(t, s, phone, "oi", "529")
	simulatorSay(t, s, phone, "quero falar com um atendente")
	return cwConversation(t, fake, phone, func(c chatwoottest.Conversation) bool {
		return c.Status == chatwoot.StatusOpen && hasMessage(c, chatwoot.Outgoing, true, "Transferida pelo quita")
	})
}

// incoming lists the texts of a conversation's incoming messages, in order.
func incoming(c chatwoottest.Conversation) []string {
	var out []string
	for _, m := range c.Messages {
		if m.Type == chatwoot.Incoming {
			out = append(out, m.Content)
		}
	}
	return out
}

func sayAll(t *testing.T, s *service, phone string, texts ...string) {
	t.Helper()
	for _, text := range texts {
		n := len(quitaTranscript(t, s, phone))
		simulatorSay(t, s, phone, text)
		waitQuita(t, "quita took "+text, func() bool { return len(quitaTranscript(t, s, phone)) > n })
	}
}

// Chatwoot down, then quita restarted while the mirror was behind, then
// Chatwoot back: every message arrives once and in order, the failure was
// counted (metric, quita status), and the pipeline never waited.
func TestChatwootDownThenBackAcrossRestart(t *testing.T) {
	fake := chatwoottest.New(t, chatwoottest.Options{})
	cfg := chatwootConfig(t, fake, chatwoot.MirrorHandoffs)
	s, stop := startService(t, cfg)
	fake.SetWebhook(serviceURL(t, s)+"/webhooks/chatwoot", cwSecret)
	const phone = "+5511955553101"
	cw := handedToChatwoot(t, s, fake, phone, "cw-down")
	ctx := context.Background()

	fake.SetDown(true)
	sayAll(t, s, phone, "um", "dois")
	fake.Wait(t, "a refused call", 20*time.Second, func() bool { return fake.CallCount(`POST .*/messages$`) > 0 && anyStatus(fake, 503) })
	waitQuita(t, "the error counted", func() bool { return scrape(t, s)["quita_chatwoot_errors_total"] > 0 })
	st, ran, err := chatwoot.ReadStatus(ctx, s.rdb, s.store.Keys().Prefix, time.Now())
	if err != nil || !ran || st.Errors == 0 || st.Queued == 0 || !strings.Contains(st.LastError, "503") {
		t.Fatalf("status while down: %+v ran %v err %v", st, ran, err)
	}
	var out, errOut bytes.Buffer
	_ = statusMain(ctx, []string{"--redis", cfg.RedisURL, "--prefix", cfg.RedisPrefix}, &out, &errOut, time.Now)
	if row := statusRow(t, out.String(), "chatwoot"); !strings.Contains(row, "errors") || !strings.Contains(row, "503") {
		t.Fatalf("quita status chatwoot row %q, want the errors and the last one:\n%s", row, out.String())
	}
	// The debtor's side never waited for Chatwoot: a conversation the bot
	// handles answers at once.
	converse(t, s, "+5511955553199", "oi")

	stop() // quita restarts mid-mirror
	s2, _ := startService(t, cfg)
	fake.SetWebhook(serviceURL(t, s2)+"/webhooks/chatwoot", cwSecret)
	sayAll(t, s2, phone, "três")
	fake.SetDown(false)
	cw = cwConversation(t, fake, phone, func(c chatwoottest.Conversation) bool { return len(incoming(c)) >= 3 })
	waitQuita(t, "the mirror caught up", func() bool {
		st, _, _ := chatwoot.ReadStatus(ctx, s2.rdb, s2.store.Keys().Prefix, time.Now())
		return st.Queued == 0
	})
	cw, _ = fake.ConversationBySource("quita:" + phone)
	if got := strings.Join(incoming(cw), "|"); got != "um|dois|três" {
		t.Fatalf("incoming in Chatwoot: %q, want um|dois|três once each, in order", got)
	}
	if n := len(fake.Conversations()); n != 1 {
		t.Fatalf("%d Chatwoot conversations, want 1", n)
	}
}

func anyStatus(fake *chatwoottest.Server, code int) bool {
	for _, c := range fake.Calls() {
		if c.Status == code {
			return true
		}
	}
	return false
}

// A post Chatwoot saved but whose answer was lost is found, not posted
// again; a webhook delivered twice (a new delivery id) sends the agent's
// reply once.
func TestChatwootNoDuplicates(t *testing.T) {
	s, fake, _ := startChatwoot(t, chatwoot.MirrorHandoffs)
	const phone = "+5511955553201"
	cw := handedToChatwoot(t, s, fake, phone, "cw-dup")
	fake.LoseNextAnswer()
	sayAll(t, s, phone, "alguém aí?")
	ctx := context.Background()
	waitQuita(t, "the mirror retried and finished", func() bool {
		st, _, _ := chatwoot.ReadStatus(ctx, s.rdb, s.store.Keys().Prefix, time.Now())
		return st.Queued == 0 && st.Errors > 0
	})
	cw, _ = fake.ConversationBySource("quita:" + phone)
	if n := countMessages(cw, chatwoot.Incoming, false, "alguém aí?"); n != 1 {
		t.Fatalf("the message is %d times in Chatwoot after a lost answer, want 1", n)
	}
	if fake.CallCount(`GET .*/messages$`) == 0 {
		t.Fatal("the retry did not look for the message before posting again")
	}

	maria := fake.AddAgent("Maria Souza", "maria@collector.example")
	fake.AgentReply(cw.ID, maria, "Estou aqui, Rita.")
	waitQuita(t, "the reply", func() bool { return countOut(quitaTranscript(t, s, phone), "Estou aqui, Rita.") == 1 })
	fake.Wait(t, "deliveries answered", 10*time.Second, fake.Delivered)
	var reply chatwoottest.Delivery
	for _, d := range fake.Deliveries() {
		if d.Event == chatwoot.EventMessageCreated && strings.Contains(string(d.Body), "Estou aqui, Rita.") {
			reply = d
		}
	}
	if code, err := fake.Redeliver(reply, false); err != nil || code != 200 {
		t.Fatalf("re-sent event answered %d %v", code, err)
	}
	if code, err := fake.Redeliver(reply, true); err != nil || code != 401 {
		t.Fatalf("replayed delivery answered %d %v, want 401", code, err)
	}
	if code, err := fake.DeliverForged([]byte(strings.Replace(string(reply.Body), "Estou aqui, Rita.", "Pague agora ou...", 1))); err != nil || code != 401 {
		t.Fatalf("forged delivery answered %d %v, want 401", code, err)
	}
	waitQuita(t, "the webhook queue drained", func() bool {
		st, _, _ := chatwoot.ReadStatus(ctx, s.rdb, s.store.Keys().Prefix, time.Now())
		return st.Webhooks == 0
	})
	tr := quitaTranscript(t, s, phone)
	if n := countOut(tr, "Estou aqui, Rita."); n != 1 || countOut(tr, "Pague agora") != 0 {
		t.Fatalf("the reply went %d times (forged: %d), want once", n, countOut(tr, "Pague agora"))
	}
}

// A slow Chatwoot (every call hanging) holds up only the mirror: the bot
// keeps answering, the webhook keeps answering, and once Chatwoot answers
// the handoff lands.
func TestChatwootSlowNeverBlocksThePipeline(t *testing.T) {
	s, fake, _ := startChatwoot(t, chatwoot.MirrorHandoffs)
	fake.Block()
	const phone = "+5511955553301"
	seedDebtor(t, s, "loja-exemplo", phone, "cw-slow", 45000)
	converse(t, s, phone, "oi", "529")
	simulatorSay(t, s, phone, "quero falar com um atendente")
	waitQuita(t, "the handoff", func() bool {
		c, _ := s.bot.Conversation(context.Background(), phone)
		return c.Handoff.Status == dialogs.HandoffQueued
	})
	tr := converse(t, s, "+5511955553399", "oi") // another debtor, while Chatwoot hangs
	if len(tr) < 2 {
		t.Fatalf("the bot did not answer while Chatwoot hung: %+v", tr)
	}
	if code, _ := fake.DeliverForged([]byte(`{"event":"message_created"}`)); code != 401 {
		t.Fatalf("the webhook answered %d while Chatwoot hung", code)
	}
	fake.Unblock()
	cwConversation(t, fake, phone, func(c chatwoottest.Conversation) bool {
		return c.Status == chatwoot.StatusOpen && hasMessage(c, chatwoot.Outgoing, true, "Transferida pelo quita")
	})
}

// Takeovers either side are visible on the other: an assignment in
// Chatwoot holds the conversation in quita (its console says "held in
// Chatwoot by NAME"); an admin taking it over in quita's console assigns
// the Chatwoot agent with the same e-mail and says so in a note; while the
// console holds it a Chatwoot reply is refused there, never sent; the
// console's reply and hand-back show in Chatwoot, and the bot greets once.
func TestChatwootAndConsoleTakeovers(t *testing.T) {
	fake := chatwoottest.New(t, chatwoottest.Options{})
	cfg := chatwootConfig(t, fake, chatwoot.MirrorHandoffs)
	cfg.AdminToken = "admin-token-for-chatwoot-tests"
	s, _ := startService(t, cfg)
	fake.SetWebhook(serviceURL(t, s)+"/webhooks/chatwoot", cwSecret)
	ctx := context.Background()
	const phone = "+5511955553401"
	cw := handedToChatwoot(t, s, fake, phone, "cw-take")

	maria := fake.AddAgent("Maria Souza", "maria@collector.example")
	fake.Assign(cw.ID, maria)
	waitQuita(t, "the assignment held in quita", func() bool {
		c, _ := s.bot.Conversation(ctx, phone)
		return c.Handoff.Status == dialogs.HandoffAssigned && c.Handoff.Agent == chatwoot.AgentID(maria, "Maria Souza")
	})
	if code, q := apiCall(t, s, "GET", "/api/v1/agent/queue", cfg.AdminToken, ""); code != 200 || !strings.Contains(q, "held in Chatwoot by Maria Souza") {
		t.Fatalf("console queue %d: %s", code, q)
	}

	chefeCW := fake.AddAgent("Chefe", "chefe@collector.example")
	token := createAgentToken(t, s, cfg.AdminToken, "chefe@collector.example", "admin")
	conv := "/api/v1/agent/conversations/%2B5511955553401"
	if code, body := apiCall(t, s, "POST", conv+"/claim", "", ""); code != 401 {
		t.Fatalf("claim without a token = %d %s", code, body)
	}
	if code, body := apiCall(t, s, "POST", conv+"/claim", token, ""); code != 200 {
		t.Fatalf("console takeover = %d %s", code, body)
	}
	cw = cwConversation(t, fake, phone, func(c chatwoottest.Conversation) bool {
		return c.AssigneeID == chefeCW && hasMessage(c, chatwoot.Outgoing, true, "Assumida no console do quita por chefe@collector.example")
	})
	fake.Wait(t, "deliveries answered", 10*time.Second, fake.Delivered)
	waitQuita(t, "the webhook queue drained", func() bool {
		st, _, _ := chatwoot.ReadStatus(ctx, s.rdb, s.store.Keys().Prefix, time.Now())
		return st.Webhooks == 0
	})
	if c, _ := s.bot.Conversation(ctx, phone); c.Handoff.Agent != "chefe@collector.example" {
		t.Fatalf("quita's own assignment came back as a Chatwoot takeover: %+v", c.Handoff)
	}

	refused := fake.AgentReply(cw.ID, maria, "Rita, consigo um desconto!")
	cw = cwConversation(t, fake, phone, func(c chatwoottest.Conversation) bool {
		return hasMessage(c, chatwoot.Outgoing, true, "Não enviada ao devedor: chefe@collector.example atende")
	})
	if m, _ := fake.Message(cw.ID, refused); m.Status != "failed" || !strings.Contains(m.ExternalError, "console do quita") {
		t.Fatalf("the refused message is %q (%q), want failed with the reason", m.Status, m.ExternalError)
	}
	if countOut(quitaTranscript(t, s, phone), "desconto") != 0 {
		t.Fatal("a Chatwoot reply went out while the console held the conversation")
	}

	if code, body := apiCall(t, s, "POST", conv+"/reply", token, `{"text":"Oi Rita, aqui é o chefe."}`); code != 200 {
		t.Fatalf("console reply = %d %s", code, body)
	}
	cw = cwConversation(t, fake, phone, func(c chatwoottest.Conversation) bool {
		return hasMessage(c, chatwoot.Outgoing, false, "Oi Rita, aqui é o chefe.")
	})
	if code, body := apiCall(t, s, "POST", conv+"/handback", token, `{"resume":"menu"}`); code != 200 {
		t.Fatalf("console hand-back = %d %s", code, body)
	}
	cw = cwConversation(t, fake, phone, func(c chatwoottest.Conversation) bool {
		return c.Status == chatwoot.StatusResolved && hasMessage(c, chatwoot.Outgoing, true, "Devolvida ao bot por chefe@collector.example")
	})
	fake.Wait(t, "deliveries answered", 10*time.Second, fake.Delivered)
	waitQuita(t, "the webhook queue drained", func() bool {
		st, _, _ := chatwoot.ReadStatus(ctx, s.rdb, s.store.Keys().Prefix, time.Now())
		return st.Webhooks == 0 && st.Queued == 0
	})
	tr := quitaTranscript(t, s, phone)
	if n, m := countOut(tr, "voltei por aqui"), countOut(tr, "Oi Rita, aqui é o chefe."); n != 1 || m != 1 {
		t.Fatalf("greeted %d times, the console reply sent %d times; want 1 and 1", n, m)
	}
	if n := countMessages(cw, chatwoot.Outgoing, false, "Oi Rita, aqui é o chefe."); n != 1 {
		t.Fatalf("the console reply is %d times in Chatwoot", n)
	}
}

// createAgentToken creates a console account and returns its API token.
func createAgentToken(t *testing.T, s *service, admin, email, role string) string {
	t.Helper()
	code, body := apiCall(t, s, "POST", "/api/v1/agents", admin, `{"email":"`+email+`","role":"`+role+`","password":"senha-de-teste-123"}`)
	if code != 201 {
		t.Fatalf("create %s = %d %s", email, code, body)
	}
	var created struct{ Token string }
	if err := json.Unmarshal([]byte(body), &created); err != nil || created.Token == "" {
		t.Fatalf("no token in %s: %v", body, err)
	}
	return created.Token
}

// Mirroring everything: every conversation is in Chatwoot from its first
// message, waiting as "pending" while the bot answers (the boleto PDF as
// an attachment); an agent who writes in it takes it from the bot; set
// back to pending, the bot greets once, and the debtor's next words do not
// reopen it for agents.
func TestChatwootMirrorAll(t *testing.T) {
	s, fake, _ := startChatwoot(t, chatwoot.MirrorAll)
	ctx := context.Background()
	const phone = "+5511955553501"
	seedDebtor(t, s, "loja-exemplo", phone, "cw-all", 45000)
	converse(t, s, phone, "oi", "529")
	cw := cwConversation(t, fake, phone, func(c chatwoottest.Conversation) bool {
		return strings.Join(incoming(c), "|") == "oi|529" && hasMessage(c, chatwoot.Outgoing, false, "Como posso ajudar?")
	})
	if cw.Status != chatwoot.StatusPending {
		t.Fatalf("a conversation the bot handles is %q in Chatwoot, want pending", cw.Status)
	}
	outs := 0
	for _, m := range quitaTranscript(t, s, phone) {
		if m.Direction == "out" {
			outs++
		}
	}
	if n := countMessages(cw, chatwoot.Outgoing, false, ""); n != outs {
		t.Fatalf("%d bot messages in Chatwoot, %d in quita", n, outs)
	}

	simulatorSay(t, s, phone, "me manda a segunda via do boleto")
	cw = cwConversation(t, fake, phone, func(c chatwoottest.Conversation) bool {
		for _, m := range c.Messages {
			for _, f := range m.Files {
				if f.ContentType == "application/pdf" && strings.HasPrefix(string(f.Data), "%PDF") {
					return true
				}
			}
		}
		return false
	})

	maria := fake.AddAgent("Maria Souza", "maria@collector.example")
	fake.AgentReply(cw.ID, maria, "Rita, posso ajudar com o boleto?")
	waitQuita(t, "the agent took it from the bot", func() bool {
		return countOut(quitaTranscript(t, s, phone), "posso ajudar com o boleto?") == 1
	})
	if c, _ := s.bot.Conversation(ctx, phone); c.Handoff.Agent != chatwoot.AgentID(maria, "Maria Souza") {
		t.Fatalf("handoff %+v, want Maria holding it", c.Handoff)
	}
	n := len(quitaTranscript(t, s, phone))
	simulatorSay(t, s, phone, "sim, por favor")
	cwConversation(t, fake, phone, func(c chatwoottest.Conversation) bool {
		return hasMessage(c, chatwoot.Incoming, false, "sim, por favor")
	})
	if tr := quitaTranscript(t, s, phone); len(tr) != n+1 {
		t.Fatalf("the bot answered while Maria held it: %+v", tr[n:])
	}

	fake.SetPending(cw.ID)
	waitQuita(t, "the hand-back", func() bool {
		c, _ := s.bot.Conversation(ctx, phone)
		return !c.Handoff.Active() && countOut(quitaTranscript(t, s, phone), "voltei por aqui") == 1
	})
	simulatorSay(t, s, phone, "obrigada")
	cw = cwConversation(t, fake, phone, func(c chatwoottest.Conversation) bool { return hasMessage(c, chatwoot.Incoming, false, "obrigada") })
	if cw.Status != chatwoot.StatusPending {
		t.Fatalf("after the hand-back the conversation is %q, want pending (the bot's)", cw.Status)
	}
	if n := countMessages(cw, chatwoot.Outgoing, false, "posso ajudar com o boleto?"); n != 1 {
		t.Fatalf("Maria's message is %d times in Chatwoot", n)
	}
}

// A wrong Chatwoot setting stops quita serve at start and quita config
// check names it; with none set the bridge is off.
func TestChatwootSettingsCheckedAtStart(t *testing.T) {
	good := writeFile(t, "good.yaml", "creditors:\n  - id: loja-real\n    name: Loja Real\n    cnpj: 45.997.418/0001-53\n")
	var out strings.Builder
	if err := configCheck(&out, good); err != nil {
		t.Fatalf("without Chatwoot: %v\n%s", err, out.String())
	}
	t.Setenv("QUITA_CHATWOOT_URL", "http://chatwoot.example.com")
	t.Setenv("QUITA_CHATWOOT_ACCOUNT_ID", "one")
	out.Reset()
	err := configCheck(&out, good)
	for _, want := range []string{"QUITA_CHATWOOT_URL=\"http://chatwoot.example.com\" must be https", "QUITA_CHATWOOT_ACCOUNT_ID=\"one\"",
		"QUITA_CHATWOOT_INBOX_ID is not set", "QUITA_CHATWOOT_TOKEN is not set", "QUITA_CHATWOOT_WEBHOOK_SECRET is not set"} {
		if err == nil || !strings.Contains(out.String(), want) {
			t.Errorf("config check: err %v, output lacks %q:\n%s", err, want, out.String())
		}
	}
	r := redistest.New(t)
	cfg := testConfig(t, r.URL, r.Prefix)
	if _, err := newService(context.Background(), cfg, slog.New(slog.DiscardHandler), time.Now); err == nil || !strings.Contains(err.Error(), "QUITA_CHATWOOT_TOKEN is not set") {
		t.Fatalf("quita serve started with a broken Chatwoot setting: %v", err)
	}
}

// Handoffs go to the configured team; a debtor in distress while waiting
// makes the Chatwoot conversation urgent (label, Chatwoot's priority and a
// note), as quita's own queue re-sorts.
func TestChatwootDistressIsUrgentForTheTeam(t *testing.T) {
	t.Setenv("QUITA_CHATWOOT_TEAM_ID", "5")
	s, fake, _ := startChatwoot(t, chatwoot.MirrorHandoffs)
	const phone = "+5511955553601"
	cw := handedToChatwoot(t, s, fake, phone, "cw-urgent")
	if cw.TeamID != 5 || cw.Priority != "medium" {
		t.Fatalf("team %d priority %q, want team 5 and medium", cw.TeamID, cw.Priority)
	}
	simulatorSay(t, s, phone, "não aguento mais, não vejo saída")
	cw = cwConversation(t, fake, phone, func(c chatwoottest.Conversation) bool {
		return hasLabel(c, "urgent") && c.Priority == "urgent" && hasMessage(c, chatwoot.Outgoing, true, "Prioridade agora urgente")
	})
	if hasLabel(cw, "normal_priority") || !hasLabel(cw, dialogs.ReasonDistress) {
		t.Fatalf("labels %v: want urgent and distress, not the old priority", cw.Labels)
	}
	if c, _ := s.bot.Conversation(context.Background(), phone); c.Handoff.Priority != dialogs.PriorityUrgent {
		t.Fatalf("quita's handoff %+v", c.Handoff)
	}
}

// Chatwoot's auto-assignment, which says so only in a conversation update
// (chatwoot/chatwoot#9277: no event of its own), holds the handoff for the
// agent it chose, and quita's console says so.
func TestChatwootAutoAssignmentHolds(t *testing.T) {
	fake := chatwoottest.New(t, chatwoottest.Options{})
	joana := fake.AddAgent("Joana Lima", "joana@collector.example")
	fake.SetAutoAssign(joana)
	cfg := chatwootConfig(t, fake, chatwoot.MirrorHandoffs)
	cfg.AdminToken = "admin-token-for-chatwoot-tests"
	s, _ := startService(t, cfg)
	fake.SetWebhook(serviceURL(t, s)+"/webhooks/chatwoot", cwSecret)
	const phone = "+5511955553701"
	cw := handedToChatwoot(t, s, fake, phone, "cw-auto")
	if cw.AssigneeID != joana {
		t.Fatalf("assignee %d, want the auto-assigned %d", cw.AssigneeID, joana)
	}
	waitQuita(t, "held by the auto-assigned agent", func() bool {
		c, _ := s.bot.Conversation(context.Background(), phone)
		return c.Handoff.Status == dialogs.HandoffAssigned && c.Handoff.Agent == chatwoot.AgentID(joana, "Joana Lima")
	})
	if code, q := apiCall(t, s, "GET", "/api/v1/agent/queue", cfg.AdminToken, ""); code != 200 || !strings.Contains(q, "held in Chatwoot by Joana Lima") {
		t.Fatalf("console queue %d: %s", code, q)
	}
	// Unassigned in Chatwoot, it waits in quita's queue again.
	fake.Assign(cw.ID, 0)
	waitQuita(t, "back in the queue", func() bool {
		c, _ := s.bot.Conversation(context.Background(), phone)
		return c.Handoff.Status == dialogs.HandoffQueued
	})
	cwConversation(t, fake, phone, func(c chatwoottest.Conversation) bool {
		return hasMessage(c, chatwoot.Outgoing, true, "Sem agente no Chatwoot")
	})
}
