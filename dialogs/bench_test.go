package dialogs

import "testing"

// BenchmarkStep is a typical step: a verified debtor in the menu asks for the
// segunda via in free text; the real classifier reads it, the fake cashier
// answers, and the engine builds the messages.
func BenchmarkStep(b *testing.B) {
	e := NewEngine(EngineConfig{Cashier: fakeCashier{}})
	benchStep(b, e)
}

// BenchmarkStepEngineOnly is the same step with a map lookup for an
// understander: the engine's own cost.
func BenchmarkStepEngineOnly(b *testing.B) {
	e := NewEngine(EngineConfig{Understander: fakeUnderstander{}, Cashier: fakeCashier{}})
	benchStep(b, e)
}

func benchStep(b *testing.B, e *Engine) {
	c := Conversation{ID: "+5511987650001", Channel: "whatsapp", State: StateMenu, Verified: true, Language: "pt",
		LastIn: t0.Add(-10 * 60e9), Slots: map[string]string{slotReminderStep: "D+5", slotReminderVariant: "a", slotReplied: "1"}}
	ev := Event{Kind: EventInbound, Channel: "whatsapp", Text: "quero a segunda via do boleto", Case: testCase("pt")}
	b.ReportAllocs()
	for b.Loop() {
		if _, acts, err := e.Step(c, ev, t0); err != nil || len(acts) == 0 {
			b.Fatal(err, acts)
		}
	}
}
