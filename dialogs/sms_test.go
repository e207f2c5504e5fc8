package dialogs

import (
	"strings"
	"testing"

	"github.com/quita-bot/quita/locales"
)

// By SMS a message is written in the catalog's SMS form; by another
// channel it is written in the main form and carries its SMS form for a
// fallback by SMS. A message without an SMS form carries none.
func TestSMSForm(t *testing.T) {
	ev := Event{Kind: EventReminderDue, Step: "D+1", Variant: "a", DebtID: "d1", Case: testCase("pt")}
	data := map[string]any{"name": "Ana", "creditor": "Loja Exemplo", "cnpj": testCase("pt").Creditor.CNPJ,
		"amount": "R$ 600,00", "due": "10/11"}
	wantSMS := locales.TForm(locales.SMS, "pt", "reminder.after.first.a", data)
	if wantSMS == locales.T("pt", "reminder.after.first.a", data) {
		t.Fatal("reminder.after.first.a has no SMS form of its own")
	}

	bySMS := conversation(true, StateClosed)
	bySMS.Channel = ChannelSMS
	ev.Channel = ChannelSMS
	msgs := sent(t, bySMS, ev)
	if len(msgs) != 1 || msgs[0].Text != wantSMS || msgs[0].SMS != "" {
		t.Fatalf("by SMS: %+v, want the text %q", msgs, wantSMS)
	}

	ev.Channel = "whatsapp_cloud"
	msgs = sent(t, conversation(true, StateClosed), ev)
	if len(msgs) != 1 || msgs[0].Text != locales.T("pt", "reminder.after.first.a", data) || msgs[0].SMS != wantSMS {
		t.Fatalf("by WhatsApp: %+v, want the main text and the SMS form %q", msgs, wantSMS)
	}

	// The menu by SMS is one line.
	menu := conversation(true, StateMenu)
	menu.Channel = ChannelSMS
	shown := false
	for _, m := range sent(t, menu, Event{Kind: EventInbound, Channel: ChannelSMS, Text: "menu", Case: testCase("pt")}) {
		if m.Template == "menu.options" {
			shown = true
			if strings.Contains(m.Text, "\n") || !strings.HasPrefix(m.Text, "Responda: 1 boleto") {
				t.Fatalf("the SMS menu: %q", m.Text)
			}
		}
	}
	if !shown {
		t.Fatal("menu did not show the menu")
	}
	// bye has no SMS form: the same text by both channels, no copy.
	for _, m := range sent(t, conversation(true, StateMenu), Event{Kind: EventInbound, Channel: "whatsapp", Text: say("bye", "pt"), Case: testCase("pt")}) {
		if m.SMS != "" {
			t.Fatalf("%s carries an SMS form it does not have: %q", m.Template, m.SMS)
		}
	}
}
