package dialogs

import (
	"strings"
	"testing"
	"time"
)

// The misses issue 19 opens with, through the real classifier and the
// engine: each message, said by a verified debtor at the menu, must lead
// to the actions a person would take.
func TestIssue19MissesThroughTheRealClassifier(t *testing.T) {
	today := time.Date(2026, 11, 26, 10, 0, 0, 0, saoPaulo) // a Thursday: "sexta" is 2026-11-27
	for _, tc := range []struct {
		lang, text string
		want       []string // action summaries that must all be there
		not        []string // and ones that must not
	}{
		{"pt", "meu pai morreu semana passada", []string{"distress.care", "distress.cvv", "!handoff:distress:3"}, nil},
		{"pt", "não tenho nem o que colocar na mesa pros meus filhos", []string{"distress.cvv", "!handoff:distress:3"}, nil},
		{"pt", "seria melhor eu não estar mais aqui", []string{"distress.cvv", "!handoff:distress:3"}, nil},
		{"en", "I do not authorise you to contact me", []string{"!optout:whatsapp"}, nil},
		{"en", "stop calling me, I'll pay on Friday", []string{"!promise:2026-11-27", "!optout:whatsapp"}, nil},
		{"en", "I paid last week, I'll send the receipt, and if you keep charging me I'm going to Procon",
			[]string{"!task:verify_payment", "!handoff:legal_threat:2"}, []string{"!optout:whatsapp"}},
		{"pt", "morrendo de rir aqui kkkk", nil, []string{"distress.care", "!optout:whatsapp"}},
		{"pt", "para de me mandar boleto errado", nil, []string{"!optout:whatsapp", "distress.care"}},
	} {
		cs := testCase(tc.lang)
		c := Conversation{ID: "+5511987650001", Phone: "+5511987650001", Channel: "whatsapp", Language: tc.lang,
			Verified: true, State: StateMenu, LastIn: today.Add(-time.Hour)}
		e := NewEngine(EngineConfig{Understander: NLU{}, Cashier: fakeCashier{}})
		_, acts, err := e.Step(c, Event{Kind: EventInbound, Channel: "whatsapp", Text: tc.text, Case: cs}, today)
		if err != nil {
			t.Fatal(err)
		}
		got := " " + summarize(acts) + " "
		for _, w := range tc.want {
			if !strings.Contains(got, " "+w+" ") {
				t.Errorf("%q: %s lacks %s", tc.text, got, w)
			}
		}
		for _, w := range tc.not {
			if strings.Contains(got, " "+w+" ") {
				t.Errorf("%q: %s has %s", tc.text, got, w)
			}
		}
	}
}
