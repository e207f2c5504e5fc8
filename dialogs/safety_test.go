package dialogs

import (
	"strings"
	"testing"
	"time"
)

// A debtor in distress writing from a number outside Brazil hears of the
// creditor's configured support line in their language, or, with none
// configured, to call the local emergency number; from a Brazilian number,
// of CVV 188 whatever the language (issue 19 item 6).
func TestDistressNamesASupportLineWhereTheDebtorIs(t *testing.T) {
	samaritans := SupportLine{Name: "Samaritans", Phone: "116 123", URL: "samaritans.org"}
	for _, tc := range []struct {
		lang, phone string
		line        SupportLine
		key, says   string
	}{
		{"en", "+447700900123", samaritans, "distress.line", "Samaritans, phone 116 123, samaritans.org"},
		{"es", "+34600123456", SupportLine{Name: "Teléfono de la Esperanza", Phone: "717 003 717"}, "distress.line", "Teléfono de la Esperanza, teléfono 717 003 717"},
		{"en", "+12125550100", SupportLine{}, "distress.emergency", "emergency number"},
		{"es", "+5511987650001", samaritans, "distress.cvv", "188"},
		{"en", "+5511987650001", SupportLine{}, "distress.cvv", "188"},
	} {
		cs := testCase(tc.lang)
		cs.Creditor.SupportLine = tc.line
		cs.Debtor.Phones = []string{tc.phone}
		c := Conversation{ID: tc.phone, Phone: tc.phone, Channel: "whatsapp", Language: tc.lang, Verified: true, State: StateMenu, LastIn: t0.Add(-time.Hour)}
		e := NewEngine(EngineConfig{Understander: fakeUnderstander{}, Cashier: fakeCashier{}})
		_, acts, err := e.Step(c, Event{Kind: EventInbound, Channel: "whatsapp", Text: say("distress", tc.lang), Case: cs}, t0)
		if err != nil {
			t.Fatal(err)
		}
		var said string
		for _, a := range acts {
			if a.Kind == ActSend && a.Message.Template == tc.key {
				said = a.Message.Text
			}
		}
		if !strings.Contains(said, tc.says) {
			t.Errorf("%s %s: %s says %q, want it to contain %q (actions %s)", tc.lang, tc.phone, tc.key, said, tc.says, summarize(acts))
		}
	}
}
