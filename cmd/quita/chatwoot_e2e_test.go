package main

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/quita-bot/quita/chatwoot"
	"github.com/quita-bot/quita/chatwoot/chatwoottest"
	"github.com/quita-bot/quita/config"
	"github.com/quita-bot/quita/dialogs"
	"github.com/quita-bot/quita/storage"
	"github.com/quita-bot/quita/storage/redistest"
)

const cwSecret = "whsec-chatwoot-e2e"

// startChatwoot runs quita serve on a real Redis with the bridge pointed
// at a fake Chatwoot whose webhook calls this quita.
func startChatwoot(t *testing.T, mirror string) (*service, *chatwoottest.Server, func()) {
	t.Helper()
	fake := chatwoottest.New(t, chatwoottest.Options{})
	cfg := chatwootConfig(t, fake, mirror)
	s, stop := startService(t, cfg)
	fake.SetWebhook(serviceURL(t, s)+"/webhooks/chatwoot", cwSecret)
	return s, fake, stop
}

// chatwootConfig is a production-like configuration on a fresh Redis
// prefix with the bridge pointed at fake.
func chatwootConfig(t *testing.T, fake *chatwoottest.Server, mirror string) config.Config {
	t.Helper()
	r := redistest.New(t)
	for k, v := range map[string]string{
		"QUITA_CHATWOOT_URL": fake.URL(), "QUITA_CHATWOOT_ACCOUNT_ID": "1", "QUITA_CHATWOOT_INBOX_ID": "7",
		"QUITA_CHATWOOT_TOKEN": fake.Token(), "QUITA_CHATWOOT_WEBHOOK_SECRET": cwSecret, "QUITA_CHATWOOT_MIRROR": mirror,
		"QUITA_CHATWOOT_RETRY_MAX": "150ms",
	} {
		t.Setenv(k, v)
	}
	cfg := testConfig(t, r.URL, r.Prefix)
	cfg.Demo = false
	return cfg
}

// cwConversation waits for the Chatwoot conversation of phone.
func cwConversation(t *testing.T, fake *chatwoottest.Server, phone string, cond func(chatwoottest.Conversation) bool) chatwoottest.Conversation {
	t.Helper()
	var got chatwoottest.Conversation
	fake.Wait(t, "the Chatwoot conversation of "+phone, 20*time.Second, func() bool {
		c, ok := fake.ConversationBySource("quita:" + phone)
		got = c
		return ok && cond(c)
	})
	return got
}

func hasMessage(c chatwoottest.Conversation, typ string, private bool, contains string) bool {
	return countMessages(c, typ, private, contains) > 0
}

func countMessages(c chatwoottest.Conversation, typ string, private bool, contains string) int {
	n := 0
	for _, m := range c.Messages {
		if m.Type == typ && m.Private == private && strings.Contains(m.Content, contains) {
			n++
		}
	}
	return n
}

func hasLabel(c chatwoottest.Conversation, l string) bool {
	for _, x := range c.Labels {
		if x == l {
			return true
		}
	}
	return false
}

// waitQuita polls quita's own state until cond holds.
func waitQuita(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func quitaTranscript(t *testing.T, s *service, phone string) []storage.Message {
	t.Helper()
	msgs, err := s.store.Transcript(context.Background(), phone, 500)
	if err != nil {
		t.Fatal(err)
	}
	return msgs
}

func countOut(msgs []storage.Message, contains string) int {
	n := 0
	for _, m := range msgs {
		if m.Direction == storage.Out && !m.Private && strings.Contains(m.Text, contains) {
			n++
		}
	}
	return n
}

// The whole round trip: the debtor asks for a person → a contact and an
// open conversation in Chatwoot with the earlier talk as one note, the
// reason and priority as labels and a note saying why → an agent answers
// in Chatwoot → the debtor receives it through quita's outbound queue and
// gate, recorded as that agent's → while she holds it the bot says
// nothing → she resolves → the bot greets once and shows the menu, however
// often the webhook comes, and a replayed or forged one changes nothing.
func TestChatwootRoundTrip(t *testing.T) {
	s, fake, _ := startChatwoot(t, chatwoot.MirrorHandoffs)
	ctx := context.Background()
	const phone = "+5511955553001"
	seedDebtor(t, s, "loja-exemplo", phone, "cw-1", 45000)
	converse(t, s, phone, "oi", "529")
	simulatorSay(t, s, phone, "quero falar com um atendente")

	cw := cwConversation(t, fake, phone, func(c chatwoottest.Conversation) bool {
		return c.Status == chatwoot.StatusOpen && hasMessage(c, chatwoot.Outgoing, true, "Transferida pelo quita")
	})
	if !hasLabel(cw, "quita") || !hasLabel(cw, dialogs.ReasonAskHuman) || !hasLabel(cw, "normal_priority") {
		t.Fatalf("labels %v, want quita, ask_human and the priority", cw.Labels)
	}
	if countMessages(cw, chatwoot.Outgoing, true, "antes da transferência") != 1 || !hasMessage(cw, chatwoot.Outgoing, true, "Devedor: quero falar com um atendente") {
		t.Fatalf("want one summary note with the earlier talk: %+v", cw.Messages)
	}
	if n := countMessages(cw, chatwoot.Incoming, false, ""); n != 0 {
		t.Fatalf("%d incoming messages before any was written after the handoff", n)
	}
	contacts := fake.Contacts()
	if len(contacts) != 1 || contacts[0].PhoneNumber != phone || contacts[0].Name != "Rita Alves" ||
		contacts[0].CustomAttributes["quita_cpf"] != "***.982.247-**" || contacts[0].CustomAttributes["quita_amount_owed"] != "R$ 450,00" {
		t.Fatalf("contact %+v", contacts)
	}

	maria := fake.AddAgent("Maria Souza", "maria@collector.example")
	reply := fake.AgentReply(cw.ID, maria, "Olá Rita, aqui é a Maria. Como posso ajudar?")
	waitQuita(t, "the agent's reply delivered to the debtor", func() bool {
		for _, m := range quitaTranscript(t, s, phone) {
			if m.Text == "Olá Rita, aqui é a Maria. Como posso ajudar?" && m.Status == "delivered" {
				return true
			}
		}
		return false
	})
	fake.Wait(t, "the reply shown delivered in Chatwoot", 20*time.Second, func() bool {
		m, _ := fake.Message(cw.ID, reply)
		return m.Status == "delivered"
	})
	c, _ := s.bot.Conversation(ctx, phone)
	wantAgent := chatwoot.AgentID(maria, "Maria Souza")
	if c.Handoff.Status != dialogs.HandoffAssigned || c.Handoff.Agent != wantAgent || chatwoot.HeldInChatwoot(c.Handoff.Agent) != "held in Chatwoot by Maria Souza" {
		t.Fatalf("handoff %+v, want held by %s", c.Handoff, wantAgent)
	}
	for _, m := range quitaTranscript(t, s, phone) {
		if strings.HasPrefix(m.Text, "Olá Rita") && (m.Origin != "agent" || m.Author != wantAgent) {
			t.Fatalf("transcript entry %+v, want the agent's", m)
		}
	}

	// While she holds it the bot is silent; the debtor's words reach Chatwoot.
	outBefore := len(quitaTranscript(t, s, phone))
	simulatorSay(t, s, phone, "preciso parcelar em 3 vezes")
	cw = cwConversation(t, fake, phone, func(c chatwoottest.Conversation) bool {
		return hasMessage(c, chatwoot.Incoming, false, "preciso parcelar em 3 vezes")
	})
	tr := quitaTranscript(t, s, phone)
	if len(tr) != outBefore+1 || tr[len(tr)-1].Direction != storage.In {
		t.Fatalf("the bot answered while an agent held the conversation: %+v", tr[outBefore:])
	}
	if n := countMessages(cw, chatwoot.Outgoing, false, "aqui é a Maria"); n != 1 {
		t.Fatalf("the agent's reply is %d times in Chatwoot: quita echoed it back", n)
	}
	// A private note never leaves Chatwoot.
	fake.PrivateNote(cw.ID, maria, "cliente pediu desconto, ver com o gerente")
	fake.AgentReply(cw.ID, maria, "Vou verificar as condições.")
	waitQuita(t, "the second reply", func() bool { return countOut(quitaTranscript(t, s, phone), "Vou verificar as condições.") == 1 })
	if countOut(quitaTranscript(t, s, phone), "desconto") != 0 {
		t.Fatal("a private note reached the debtor")
	}

	// Resolved in Chatwoot: the bot greets once and shows the menu.
	fake.Resolve(cw.ID)
	waitQuita(t, "the hand-back", func() bool {
		c, _ := s.bot.Conversation(ctx, phone)
		return !c.Handoff.Active() && countOut(quitaTranscript(t, s, phone), "voltei por aqui") == 1
	})
	fake.Wait(t, "every webhook answered", 10*time.Second, fake.Delivered)
	var statusDelivery chatwoottest.Delivery
	for _, d := range fake.Deliveries() {
		if d.Event == chatwoot.EventConversationStatusChanged && strings.Contains(string(d.Body), `"status":"resolved"`) {
			statusDelivery = d
		}
	}
	if code, err := fake.Redeliver(statusDelivery, true); err != nil || code != http.StatusUnauthorized {
		t.Fatalf("replayed delivery id answered %d %v, want 401", code, err)
	}
	if code, err := fake.Redeliver(statusDelivery, false); err != nil || code != http.StatusOK {
		t.Fatalf("the same event re-sent answered %d %v, want 200", code, err)
	}
	if code, err := fake.DeliverForged(statusDelivery.Body); err != nil || code != http.StatusUnauthorized {
		t.Fatalf("forged delivery answered %d %v, want 401", code, err)
	}
	if code, err := fake.DeliverStale(statusDelivery.Body, time.Now().Add(-10*time.Minute).Unix()); err != nil || code != http.StatusUnauthorized {
		t.Fatalf("stale delivery answered %d %v, want 401", code, err)
	}
	// The re-sent event is applied after the hand-back: wait for the
	// webhook queue to drain, then the greeting must still be one.
	waitQuita(t, "the webhook queue drained", func() bool {
		st, _, _ := chatwoot.ReadStatus(ctx, s.rdb, s.store.Keys().Prefix, time.Now())
		return st.Webhooks == 0
	})
	c, _ = s.bot.Conversation(ctx, phone)
	tr = quitaTranscript(t, s, phone)
	if n := countOut(tr, "voltei por aqui"); n != 1 || c.State != dialogs.StateMenu || c.Handoff.Active() {
		t.Fatalf("greeted %d times, state %s, handoff %+v", n, c.State, c.Handoff)
	}
	if last := tr[len(tr)-1]; !strings.Contains(last.Text, "1") {
		t.Fatalf("the last message is not the menu: %q", last.Text)
	}
}
