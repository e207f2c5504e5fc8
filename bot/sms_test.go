package bot

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/quita-bot/quita/channels"
	"github.com/quita-bot/quita/channels/sms"
	"github.com/quita-bot/quita/config"
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

var _ Messaging = (*config.Directory)(nil)

// pricedDemo is the demo creditor sending SMS in enc, with prices.
func pricedDemo(t *testing.T, enc string) *config.Directory {
	t.Helper()
	f := config.DemoFile()
	f.Creditors[0].SMSEncoding = enc
	if err := yaml.Unmarshal([]byte("{currency: BRL, sms_segment: 0.07, whatsapp: {utility: 0.04, marketing: 0.32, service: 0}}"), &f.Creditors[0].Prices); err != nil {
		t.Fatal(err)
	}
	return config.NewDirectory(f)
}

// withDirectory puts a directory (and its SMS encodings and prices) in the
// harness's bot before it starts.
func (h *harness) withDirectory(d *config.Directory) {
	h.bot.dir, h.bot.messaging = d, d
}

// A creditor that sends in gsm has its SMS folded to GSM-7 before they are
// counted and sent (the debtor's name too); a PIX copia-e-cola goes as it
// is. In unicode the same text goes as written.
func TestGSMCreditorFoldsSMS(t *testing.T) {
	text := "Olá, João! Sua conta não venceu — “ok” 👍"
	pix := "00020126580014br.gov.bcb.pix0136123e4567-e12b-12d1-a456-4266554400005204000053039865802BR5913JOÃO DA SILVA6008BRASILIA62070503***63041D3D"
	for _, c := range []struct {
		enc, want, encoding string
	}{
		{"gsm", `Ola, Joao! Sua conta nao venceu - "ok"`, sms.GSM7},
		{"unicode", text, sms.UCS2},
	} {
		t.Run(c.enc, func(t *testing.T) {
			h := newHarness(t, Options{})
			h.withDirectory(pricedDemo(t, c.enc))
			h.bot.dialog = pixDialog{text: text, pix: pix}
			smsCh := &fakeChannel{name: channels.SMS}
			h.bot.AddChannel(smsCh)
			h.start()
			if err := h.bot.Accept(context.Background(), channels.Inbound{Channel: channels.SMS, From: "+5511987650001", Text: "pix", ProviderID: "SM1"}); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "both SMS", func() bool { return len(smsCh.Sent()) == 2 })
			sent := smsCh.Sent()
			if sent[0].Text != c.want || sent[1].Text != pix {
				t.Fatalf("sent %q and %q; want %q and the PIX code untouched", sent[0].Text, sent[1].Text, c.want)
			}
			var outs []storage.Message
			for _, m := range h.transcript("+5511987650001") {
				if m.Direction == storage.Out {
					outs = append(outs, m)
				}
			}
			if len(outs) != 2 || outs[0].Text != c.want || outs[0].SMSEncoding != c.encoding || outs[0].SMSSegments != 1 {
				t.Fatalf("transcript %+v", outs)
			}
		})
	}
}

// pixDialog answers with a text and a PIX code, as dialogs does.
type pixDialog struct{ text, pix string }

func (d pixDialog) Step(c dialogs.Conversation, ev dialogs.Event, now time.Time) (dialogs.Conversation, []dialogs.Action, error) {
	c.CreditorID = "loja-exemplo"
	return c, []dialogs.Action{
		{Kind: dialogs.ActSend, Message: &dialogs.Message{Text: d.text, Template: "pix.intro"}},
		{Kind: dialogs.ActSend, Message: &dialogs.Message{Text: d.pix, Template: "pix.code"}},
	}, nil
}

// Each message sent records what it cost the creditor: an SMS its segments
// at the segment price, a WhatsApp template its category's price, a
// free-form WhatsApp message inside the window nothing (but priced: the
// currency is there).
func TestSentMessagesRecordTheirCost(t *testing.T) {
	h := newHarness(t, Options{})
	h.withDirectory(pricedDemo(t, "unicode"))
	h.bot.dialog = replyDialog{creditor: "loja-exemplo", text: "Não encontrei o seu cadastro. " + strings.Repeat("Responda MENU para ver as opções. ", 2)}
	smsCh := &fakeChannel{name: channels.SMS}
	cloud := &fakeChannel{name: channels.WhatsAppCloud, asTemplate: &channels.Template{Name: "loja_recado", Category: channels.CategoryUtility}}
	free := &fakeChannel{name: channels.TwilioWhatsApp}
	for _, ch := range []*fakeChannel{smsCh, cloud, free} {
		h.bot.AddChannel(ch)
	}
	h.start()
	for i, ch := range []string{channels.SMS, channels.WhatsAppCloud, channels.TwilioWhatsApp} {
		if err := h.bot.Accept(context.Background(), channels.Inbound{Channel: ch, From: "+551198765000" + string(rune('1'+i)), Text: "oi", ProviderID: ch}); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "three sends", func() bool { return len(smsCh.Sent()) == 1 && len(cloud.Sent()) == 1 && len(free.Sent()) == 1 })
	for i, want := range []struct {
		micros   int64
		category string
	}{{140000, ""}, {40000, channels.CategoryUtility}, {0, ""}} {
		conv := "+551198765000" + string(rune('1'+i))
		var out storage.Message
		waitFor(t, "the send recorded", func() bool { out = lastOut(t, h.transcript(conv)); return out.Status == channels.StatusSent })
		if out.CostMicros != want.micros || out.CostCurrency != "BRL" || out.Category != want.category {
			t.Errorf("%s: cost %d %s, category %q; want %d BRL, %q", out.Channel, out.CostMicros, out.CostCurrency, out.Category, want.micros, want.category)
		}
	}
}
