package bot

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/quita-bot/quita/channels"
	"github.com/quita-bot/quita/config"
	"github.com/quita-bot/quita/dialogs"
	"github.com/quita-bot/quita/storage"
	"github.com/quita-bot/quita/templates"
)

// cloudFake keeps WhatsApp's 24-hour rule as the Cloud API channel does:
// free-form while the debtor's last message is less than a day old, else
// only a template with a name, else template_needed before anything goes.
type cloudFake struct {
	clock func() time.Time
	last  func(phone string) time.Time
	mu    sync.Mutex
	sent  []channels.Outbound // template sends keep their Template, free-form ones have none
}

func (f *cloudFake) Name() string { return channels.WhatsAppCloud }

func (f *cloudFake) Send(_ context.Context, m channels.Outbound) (channels.SendResult, error) {
	last := f.last(m.To)
	res := channels.SendResult{ProviderID: "wamid." + m.ID, Status: channels.StatusSent}
	if last.IsZero() || f.clock().Sub(last) >= 24*time.Hour {
		if m.Template == nil || m.Template.Name == "" {
			return channels.SendResult{}, &channels.PermanentError{Code: channels.CodeTemplateNeeded, Err: errors.New("outside the window, no template")}
		}
		res.Template = m.Template
	} else {
		m.Template = nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sent = append(f.sent, m)
	return res, nil
}

func (f *cloudFake) Sent() []channels.Outbound {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.sent)
}

// templateHarness is the scheduler harness with the real dialog engine,
// the Cloud API's window rule, an SMS channel and the given templates.
func templateHarness(t *testing.T, m templates.Map, steps []CadenceStep) (*schedHarness, *cloudFake, *recordingChannel) {
	h := newSchedHarness(t, nil, local("2026-11-27 09:00"), SchedulerOptions{})
	h.bot.dialog = dialogs.NewEngine(dialogs.EngineConfig{DefaultTimeZone: "America/Sao_Paulo"})
	h.bot.mu.Lock()
	delete(h.bot.channels, channels.WhatsApp) // "whatsapp" in the cadence is the Cloud API here
	h.bot.mu.Unlock()
	cloud := &cloudFake{clock: h.clock.Now, last: func(phone string) time.Time {
		c, err := h.bot.Conversation(context.Background(), phone)
		if err != nil {
			t.Fatal(err)
		}
		return c.LastIn
	}}
	sms := &recordingChannel{name: channels.SMS, clock: h.clock.Now}
	h.bot.AddChannel(cloud)
	h.bot.AddChannel(sms)
	book := templates.NewBook()
	demo := config.DemoFile().Creditors[0].Creditor
	if p := book.Add(demo, m); len(p) != 0 {
		t.Fatal(p)
	}
	h.bot.SetTemplates(book)
	if steps != nil {
		cad := Cadence{Steps: steps}
		if err := cad.normalise(); err != nil {
			t.Fatal(err)
		}
		h.sched.cadences = map[string]Cadence{config.DemoCreditorID: cad}
	}
	h.addDebt(dialogs.Debtor{ID: "ana", Name: "ANA SOUZA", Phones: []string{ana}, Language: "pt-BR", TimeZone: "America/Sao_Paulo"},
		dialogs.Debt{ID: "d1", Invoice: "NF-1", AmountCents: 15000, DueDate: "2026-11-27", Status: dialogs.DebtOpen})
	return h, cloud, sms
}

func (h *schedHarness) outbound(conv string) []storage.Message {
	h.t.Helper()
	msgs, err := h.store.Transcript(context.Background(), conv, 0)
	if err != nil {
		h.t.Fatal(err)
	}
	var out []storage.Message
	for _, m := range msgs {
		if m.Direction == storage.Out {
			out = append(out, m)
		}
	}
	return out
}

// TestReminderGoesAsItsTemplate: the D0 reminder to a debtor who never
// wrote goes as the creditor's approved template, its body parameter
// filled, and the transcript records the template and its category.
func TestReminderGoesAsItsTemplate(t *testing.T) {
	h, cloud, sms := templateHarness(t, templates.Map{"reminder.locked.a": {Name: "loja_recado"}}, nil)
	h.until(local("2026-11-27 12:00"), nil)
	got := cloud.Sent()
	want := channels.Template{Key: "reminder.locked.a", Name: "loja_recado", Language: "pt_BR", Category: "utility", Params: []string{"Ana"}}
	if len(got) != 1 || got[0].Template == nil || !sameTemplate(*got[0].Template, want) {
		t.Fatalf("cloud API got %+v, want one send as %+v", got, want)
	}
	if len(sms.Sent()) != 0 {
		t.Errorf("SMS got %v", sms.Sent())
	}
	out := h.outbound(ana)
	if len(out) != 1 || out[0].Template != "loja_recado" || out[0].Category != "utility" || out[0].Status != channels.StatusSent {
		t.Errorf("transcript %+v, want the reminder sent as loja_recado (utility)", out)
	}
}

func sameTemplate(a, b channels.Template) bool {
	return a.Key == b.Key && a.Name == b.Name && a.Language == b.Language && a.Category == b.Category &&
		slices.Equal(a.Params, b.Params) && slices.Equal(a.Buttons, b.Buttons)
}

// TestNoTemplateFallsBackByTheCadenceOrder: with no template for the key,
// nothing broken goes to Meta; the reminder goes by the step's next
// channel (SMS), in its SMS form, as one contact attempt, and the WhatsApp
// copy records why.
func TestNoTemplateFallsBackByTheCadenceOrder(t *testing.T) {
	h, cloud, sms := templateHarness(t, templates.Map{}, nil)
	h.until(local("2026-11-27 12:00"), nil)
	if got := cloud.Sent(); len(got) != 0 {
		t.Fatalf("cloud API got %+v", got)
	}
	out := h.outbound(ana)
	if len(out) != 2 || out[0].Channel != channels.WhatsAppCloud || out[0].Status != channels.StatusFailed || out[0].ErrorCode != channels.CodeTemplateNeeded ||
		out[1].Channel != channels.SMS || out[0].SMSText == "" || out[1].Text != out[0].SMSText || out[1].Status != channels.StatusSent {
		t.Fatalf("transcript %+v, want the WhatsApp copy failed template_needed and the SMS copy sent", out)
	}
	if got := sms.Sent(); len(got) != 1 || !got[0].At.Equal(local("2026-11-27 10:00")) {
		t.Errorf("SMS got %v, want the reminder at 10:00 (one attempt for the daily cap)", got)
	}
}

// TestNoTemplateWaitsForTheDebtor: with no other channel the reminder
// waits; when the debtor writes, the window opens and it goes free-form.
func TestNoTemplateWaitsForTheDebtor(t *testing.T) {
	h, cloud, _ := templateHarness(t, templates.Map{}, []CadenceStep{{ID: "D0", Channels: []string{"whatsapp"}}})
	h.until(local("2026-11-27 12:00"), map[time.Time]func(){
		local("2026-11-27 10:40"): func() {
			if err := h.bot.Accept(context.Background(), channels.Inbound{Channel: channels.WhatsAppCloud, From: ana, Text: "oi",
				ProviderID: "wamid.in1", At: h.clock.Now()}); err != nil {
				t.Fatal(err)
			}
		},
	})
	got := cloud.Sent()
	var reminder *channels.Outbound
	for i := range got {
		if got[i].Origin == "reminder" {
			reminder = &got[i]
		}
	}
	if reminder == nil || reminder.Template != nil || len(got) < 2 {
		t.Fatalf("cloud API got %+v, want the bot's answer and then the reminder, free-form", got)
	}
	out := h.outbound(ana)
	if out[0].Origin != "reminder" || out[0].Status != channels.StatusSent || out[0].Template != "" || out[0].Category != "" {
		t.Errorf("reminder %+v, want sent free-form (no template, no category)", out[0])
	}
}

// TestNoTemplateGivesUpAfterItsWait: nobody writes, and after templateWait
// the reminder fails with the reason; nothing ever reached Meta.
func TestNoTemplateGivesUpAfterItsWait(t *testing.T) {
	h, cloud, _ := templateHarness(t, templates.Map{}, []CadenceStep{{ID: "D0", Channels: []string{"whatsapp"}}})
	h.until(local("2026-11-30 12:00"), nil)
	if got := cloud.Sent(); len(got) != 0 {
		t.Fatalf("cloud API got %+v", got)
	}
	out := h.outbound(ana)
	if len(out) != 1 || out[0].Status != channels.StatusFailed || out[0].ErrorCode != channels.CodeTemplateNeeded {
		t.Errorf("transcript %+v, want the reminder failed template_needed", out)
	}
	if at := h.nextWakeup(); !at.IsZero() && at.Before(local("2026-12-01 00:00")) {
		t.Errorf("still scheduled at %v", at)
	}
}

// TestTappedButtonIsItsIntent: a quick-reply tap is understood by its
// payload, whatever its label; the same label typed is read as words.
func TestTappedButtonIsItsIntent(t *testing.T) {
	h, _, _ := templateHarness(t, templates.Map{"reminder.locked.a": {Name: "loja_recado",
		Buttons: []templates.Button{{Text: "Opção dois", Intent: dialogs.IntentAskHuman}}}}, nil)
	for _, tc := range []struct {
		from, payload string
		handoff       bool
	}{{ana, "ask_human", true}, {"+5511987650002", "", false}} {
		if err := h.bot.Accept(context.Background(), channels.Inbound{Channel: channels.WhatsAppCloud, From: tc.from, Text: "Opção dois",
			Payload: tc.payload, ProviderID: "wamid." + tc.from, At: h.clock.Now()}); err != nil {
			t.Fatal(err)
		}
		h.pump()
		c, err := h.bot.Conversation(context.Background(), tc.from)
		if err != nil {
			t.Fatal(err)
		}
		if c.Handoff.Active() != tc.handoff {
			t.Errorf("payload %q: handoff %v, want %v (state %s)", tc.payload, c.Handoff.Active(), tc.handoff, c.State)
		}
	}
}
