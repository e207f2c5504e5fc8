package chatwoot_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/quita-bot/quita/chatwoot"
	"github.com/quita-bot/quita/chatwoot/chatwoottest"
)

func TestClientAgainstFake(t *testing.T) {
	fake := chatwoottest.New(t, chatwoottest.Options{})
	c := chatwoot.NewClient(fake.Config("s"), nil)
	ctx := context.Background()

	p, err := c.Profile(ctx)
	if err != nil || p.ID != 1 {
		t.Fatalf("profile %+v %v", p, err)
	}
	ct, err := c.CreateContact(ctx, chatwoot.ContactInput{InboxID: fake.InboxID(), SourceID: "quita:+5511987650001", Name: "Rita Alves",
		PhoneNumber: "+5511987650001", CustomAttributes: map[string]any{"cpf": "***.982.247-**"}})
	if err != nil || ct.ID == 0 || ct.PhoneNumber != "+5511987650001" {
		t.Fatalf("create contact %+v %v", ct, err)
	}
	if _, err := c.CreateContact(ctx, chatwoot.ContactInput{PhoneNumber: "11987650001"}); err == nil || chatwoot.Retryable(err) {
		t.Fatalf("a phone not in E.164 must be refused for good: %v", err)
	}
	found, err := c.SearchContacts(ctx, "+5511987650001")
	if err != nil || len(found) != 1 || found[0].ID != ct.ID {
		t.Fatalf("search %+v %v", found, err)
	}
	if err := c.UpdateContact(ctx, ct.ID, chatwoot.ContactInput{CustomAttributes: map[string]any{"dialog_state": "menu"}}); err != nil {
		t.Fatal(err)
	}
	if got := fake.Contacts()[0].CustomAttributes; got["cpf"] != "***.982.247-**" || got["dialog_state"] != "menu" {
		t.Fatalf("custom attributes merged: %+v", got)
	}
	conv, err := c.CreateConversation(ctx, chatwoot.ConversationInput{SourceID: "quita:+5511987650001", InboxID: fake.InboxID(),
		ContactID: ct.ID, Status: chatwoot.StatusPending, CustomAttributes: map[string]any{"quita_conversation": "+5511987650001"}})
	if err != nil || conv.ID == 0 || conv.Status != chatwoot.StatusPending {
		t.Fatalf("create conversation %+v %v", conv, err)
	}
	m, err := c.CreateMessage(ctx, conv.ID, chatwoot.MessageInput{Content: "oi", MessageType: chatwoot.Incoming, SourceID: "quita:m1",
		ContentAttributes: map[string]any{"quita_message_id": "m1"}})
	if err != nil || m.MessageType != chatwoot.Incoming || m.SourceID != "quita:m1" || m.ContentAttributes["quita_message_id"] != "m1" {
		t.Fatalf("incoming message %+v %v", m, err)
	}
	pdf := []byte("%PDF-1.4 boleto")
	m2, err := c.CreateMessage(ctx, conv.ID, chatwoot.MessageInput{Content: "Segue o boleto", MessageType: chatwoot.Outgoing, SourceID: "quita:m2",
		ContentAttributes: map[string]any{"quita_message_id": "m2"}, Files: []chatwoot.File{{Name: "boleto.pdf", ContentType: "application/pdf", Data: pdf}}})
	if err != nil || len(m2.Attachments) != 1 || m2.ContentAttributes["quita_message_id"] != "m2" {
		t.Fatalf("multipart message %+v %v", m2, err)
	}
	stored, _ := fake.Message(conv.ID, m2.ID)
	if len(stored.Files) != 1 || string(stored.Files[0].Data) != string(pdf) || stored.Files[0].ContentType != "application/pdf" || stored.SourceID != "quita:m2" {
		t.Fatalf("uploaded file %+v", stored)
	}
	msgs, err := c.Messages(ctx, conv.ID)
	if err != nil || len(msgs) != 2 || msgs[1].SourceID != "quita:m2" || msgs[0].MessageType != chatwoot.Incoming {
		t.Fatalf("messages %+v %v", msgs, err)
	}
	if err := c.ToggleStatus(ctx, conv.ID, chatwoot.StatusOpen); err != nil {
		t.Fatal(err)
	}
	if err := c.SetLabels(ctx, conv.ID, []string{"quita", "distress", "urgent"}); err != nil {
		t.Fatal(err)
	}
	if err := c.TogglePriority(ctx, conv.ID, "urgent"); err != nil {
		t.Fatal(err)
	}
	agent := fake.AddAgent("Maria Souza", "maria@collector.example")
	if err := c.AssignAgent(ctx, conv.ID, agent); err != nil {
		t.Fatal(err)
	}
	got, err := c.Conversation(ctx, conv.ID)
	if err != nil || got.Status != chatwoot.StatusOpen || len(got.Labels) != 3 || got.Meta.Assignee == nil || got.Meta.Assignee.ID != agent ||
		got.Priority == nil || *got.Priority != "urgent" {
		t.Fatalf("conversation %+v %v", got, err)
	}
	agents, err := c.Agents(ctx)
	if err != nil || len(agents) != 2 || agents[1].Email != "maria@collector.example" {
		t.Fatalf("agents %+v %v", agents, err)
	}
	convs, err := c.ContactConversations(ctx, ct.ID)
	if err != nil || len(convs) != 1 || convs[0].CustomAttributes["quita_conversation"] != "+5511987650001" {
		t.Fatalf("contact conversations %+v %v", convs, err)
	}
	if err := c.UpdateMessageStatus(ctx, conv.ID, m2.ID, "failed", "blocked by quiet hours"); err != nil {
		t.Fatal(err)
	}
	if st, _ := fake.Message(conv.ID, m2.ID); st.Status != "failed" || st.ExternalError != "blocked by quiet hours" {
		t.Fatalf("status %+v", st)
	}

	fake.SetDown(true)
	_, err = c.Conversation(ctx, conv.ID)
	var ae *chatwoot.APIError
	if !errors.As(err, &ae) || ae.Status != http.StatusServiceUnavailable || !chatwoot.Retryable(err) {
		t.Fatalf("down: %v, want a retryable 503", err)
	}
	fake.SetDown(false)
	_, err = c.Conversation(ctx, 999999)
	if !chatwoot.NotFound(err) || chatwoot.Retryable(err) {
		t.Fatalf("missing conversation: %v", err)
	}
	bad := chatwoot.NewClient(chatwoot.Config{URL: fake.URL(), AccountID: 1, Token: "wrong"}, nil)
	if _, err := bad.Profile(ctx); err == nil || chatwoot.Retryable(err) {
		t.Fatalf("wrong token: %v, want a permanent 401", err)
	}
}

// The fake calls the webhook signed as Chatwoot signs, with payloads the
// bridge's parser reads like the documented ones.
func TestFakeWebhooksAreSigned(t *testing.T) {
	fake := chatwoottest.New(t, chatwoottest.Options{})
	type got struct {
		ev  chatwoot.Event
		err error
		id  string
	}
	received := make(chan got, 64)
	srv := httptestServer(t, func(w http.ResponseWriter, r *http.Request) {
		body := readAll(r)
		err := chatwoot.Verify("whsec", r.Header.Get(chatwoot.SignatureHeader), r.Header.Get(chatwoot.TimestampHeader), body, time.Now())
		ev, perr := chatwoot.ParseEvent(body)
		received <- got{ev, errors.Join(err, perr), r.Header.Get(chatwoot.DeliveryHeader)}
	})
	fake.SetWebhook(srv+"/webhooks/chatwoot", "whsec")
	c := chatwoot.NewClient(fake.Config("whsec"), nil)
	ctx := context.Background()
	ct, _ := c.CreateContact(ctx, chatwoot.ContactInput{InboxID: fake.InboxID(), SourceID: "quita:+5511900000001", Name: "A", PhoneNumber: "+5511900000001"})
	conv, err := c.CreateConversation(ctx, chatwoot.ConversationInput{SourceID: "quita:+5511900000001", InboxID: fake.InboxID(), ContactID: ct.ID})
	if err != nil {
		t.Fatal(err)
	}
	first := <-received // conversation_created
	if first.err != nil || first.ev.Event != chatwoot.EventConversationCreated || first.ev.ConversationSourceID() != "quita:+5511900000001" || first.id == "" {
		t.Fatalf("conversation_created: %+v", first)
	}
	agent := fake.AddAgent("Maria Souza", "maria@collector.example")
	fake.AgentReply(conv.ID, agent, "Olá, sou a Maria")
	reply := <-received
	if reply.err != nil || reply.ev.Event != chatwoot.EventMessageCreated || reply.ev.MessageType != chatwoot.Outgoing ||
		reply.ev.Sender.Type != chatwoot.SenderUser || reply.ev.Sender.Name != "Maria Souza" || reply.ev.ConversationID() != conv.ID ||
		reply.ev.InboxOf() != fake.InboxID() || reply.ev.Content != "Olá, sou a Maria" {
		t.Fatalf("agent reply: %+v", reply)
	}
	fake.Resolve(conv.ID)
	st := <-received
	if st.err != nil || st.ev.Event != chatwoot.EventConversationStatusChanged || st.ev.ConversationStatus() != chatwoot.StatusResolved || !st.ev.Changed("status") {
		t.Fatalf("status change: %+v", st)
	}
}
