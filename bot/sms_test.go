package bot

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quita-bot/quita/channels"
	"github.com/quita-bot/quita/channels/sms"
	"github.com/quita-bot/quita/dialogs"
	"github.com/quita-bot/quita/storage"
)

// replyDialog answers every message with its text, for a creditor.
type replyDialog struct {
	creditor, text string
}

func (d replyDialog) Step(c dialogs.Conversation, ev dialogs.Event, now time.Time) (dialogs.Conversation, []dialogs.Action, error) {
	c.CreditorID = d.creditor
	return c, []dialogs.Action{{Kind: dialogs.ActSend, Message: &dialogs.Message{Text: d.text}}}, nil
}

// segmentLog records the SMSSegments hook.
type segmentLog struct {
	mu    sync.Mutex
	calls []string
	total int
}

func (l *segmentLog) hook(creditor, encoding string, n int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls = append(l.calls, creditor+"/"+encoding)
	l.total += n
}

// An SMS reply carries its encoding and segment count on the transcript,
// and the accepted send reports them with its creditor; a reply by another
// channel carries neither.
func TestSMSRecordsEncodingAndSegments(t *testing.T) {
	text := "Não encontrei o seu cadastro. " + strings.Repeat("Responda MENU para ver as opções. ", 2) // 98 code units: 2 segments in UCS-2
	h := newHarness(t, Options{})
	h.bot.dialog = replyDialog{creditor: "demo", text: text}
	smsCh := &fakeChannel{name: channels.SMS}
	h.bot.AddChannel(smsCh)
	var log segmentLog
	h.bot.SetHooks(Hooks{SMSSegments: log.hook})
	h.start()

	ctx := context.Background()
	if err := h.bot.Accept(ctx, channels.Inbound{Channel: channels.SMS, From: "+5511987650001", Text: "oi", ProviderID: "SM1"}); err != nil {
		t.Fatal(err)
	}
	h.accept("+5511987650002", "oi", "SIM1")
	waitFor(t, "both replies sent", func() bool { return len(smsCh.Sent()) == 1 && len(h.ch.Sent()) == 1 })
	waitFor(t, "the SMS counted", func() bool { log.mu.Lock(); defer log.mu.Unlock(); return len(log.calls) == 1 })

	out := lastOut(t, h.transcript("+5511987650001"))
	if out.SMSEncoding != sms.UCS2 || out.SMSSegments != 2 {
		t.Fatalf("SMS transcript entry: encoding %q, %d segments; want ucs2, 2", out.SMSEncoding, out.SMSSegments)
	}
	if other := lastOut(t, h.transcript("+5511987650002")); other.SMSEncoding != "" || other.SMSSegments != 0 {
		t.Fatalf("a simulator reply carries SMS fields: %+v", other)
	}
	if log.calls[0] != "demo/ucs2" || log.total != 2 {
		t.Fatalf("hook: %v, %d segments; want demo/ucs2, 2", log.calls, log.total)
	}
}

func lastOut(t *testing.T, msgs []storage.Message) storage.Message {
	t.Helper()
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Direction == storage.Out {
			return msgs[i]
		}
	}
	t.Fatal("no outbound message in the transcript")
	return storage.Message{}
}

// formDialog answers with a message in its two forms, as dialogs does by
// WhatsApp for a key that has an SMS form.
type formDialog struct{}

func (formDialog) Step(c dialogs.Conversation, ev dialogs.Event, now time.Time) (dialogs.Conversation, []dialogs.Action, error) {
	c.CreditorID = "demo"
	return c, []dialogs.Action{{Kind: dialogs.ActSend, Message: &dialogs.Message{Text: "Como posso ajudar?\n1 Segunda via\n2 PIX", SMS: "Responda: 1 boleto, 2 PIX"}}}, nil
}

// A WhatsApp message that fails for good goes by SMS in its SMS form, and
// that copy is counted as an SMS.
func TestFallbackBySMSSendsTheSMSForm(t *testing.T) {
	h := newHarness(t, Options{FallbackSMS: true})
	h.bot.dialog = formDialog{}
	wa := &fakeChannel{name: channels.WhatsApp, failures: 1, perm: true}
	smsCh := &fakeChannel{name: channels.SMS}
	h.bot.AddChannel(wa)
	h.bot.AddChannel(smsCh)
	h.start()
	if err := h.bot.Accept(context.Background(), channels.Inbound{Channel: channels.WhatsApp, From: "+5511987650001", Text: "oi", ProviderID: "W1"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the SMS copy", func() bool { return len(smsCh.Sent()) == 1 })
	if got := smsCh.Sent()[0].Text; got != "Responda: 1 boleto, 2 PIX" {
		t.Fatalf("the SMS copy says %q, want the SMS form", got)
	}
	out := lastOut(t, h.transcript("+5511987650001"))
	if out.Channel != channels.SMS || out.SMSEncoding != sms.GSM7 || out.SMSSegments != 1 || out.SMSText != "" {
		t.Fatalf("the SMS copy on the transcript: %+v", out)
	}
}
