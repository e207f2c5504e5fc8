package dialogs

import (
	"maps"
	"reflect"
	"slices"
	"testing"
)

const anaPhone = "+5511987650001"

// sent runs one event on a conversation and returns the messages it says.
func sent(t *testing.T, c Conversation, ev Event) []*Message {
	t.Helper()
	e := NewEngine(EngineConfig{Understander: fakeUnderstander{}, Cashier: fakeCashier{}})
	_, acts, err := e.Step(c, ev, t0)
	if err != nil {
		t.Fatal(err)
	}
	var out []*Message
	for _, a := range acts {
		if a.Kind == ActSend {
			out = append(out, a.Message)
		}
	}
	return out
}

func conversation(verified bool, state string) Conversation {
	return Conversation{ID: anaPhone, Phone: anaPhone, Channel: "whatsapp_cloud", Language: "pt", Verified: verified,
		State: state, LastIn: t0.Add(-3 * 24 * 3600e9)}
}

// TestReminderKeysAreWhatRemindersSend: the keys ReminderKeys promises a
// step can send are exactly those the engine sends for it, over every
// variant (c has no text of its own), verification and delay history;
// the template checks at start rely on it.
func TestReminderKeysAreWhatRemindersSend(t *testing.T) {
	variants := []string{"a", "b", "c"}
	for _, step := range []string{"D-3", "D0", "D+1", "promise"} {
		want, err := ReminderKeys(step, variants)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, v := range variants {
			for _, verified := range []bool{false, true} {
				for _, delays := range []int{0, 2} {
					cs := testCase("pt")
					cs.Debtor.Delays = delays
					for _, m := range sent(t, conversation(verified, StateClosed), Event{Kind: EventReminderDue, Step: step, Variant: v, DebtID: "d1", Case: cs}) {
						if !slices.Contains(got, m.Template) {
							got = append(got, m.Template)
						}
					}
				}
			}
		}
		slices.Sort(got)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("step %s sends %v; ReminderKeys says %v", step, got, want)
		}
	}
	if _, err := ReminderKeys("tomorrow", nil); err == nil {
		t.Error("a step that is no step gave keys")
	}
}

// TestOpeningKeysAreWhatTheBotSendsUnasked: the first message sent on an
// event that is not the debtor writing is in OpeningKeys. (What follows it
// in the same step, such as the menu after a hand-back, waits for the
// debtor's answer outside the 24-hour window.)
func TestOpeningKeysAreWhatTheBotSendsUnasked(t *testing.T) {
	events := []struct {
		c  Conversation
		ev Event
	}{
		{conversation(true, StateClosed), Event{Kind: EventInstallmentDue, DebtID: "d1", Amount: 20000, DueDate: "2026-12-10", Installment: 2, Of: 3}},
		{conversation(false, StateClosed), Event{Kind: EventInstallmentDue, DebtID: "d1", Amount: 20000, DueDate: "2026-12-10", Installment: 2, Of: 3}},
		{conversation(true, StateMenu), Event{Kind: EventPaymentConfirmed, DebtID: "d1", Amount: 60000}},
		{conversation(false, StateMenu), Event{Kind: EventPaymentConfirmed, DebtID: "d1"}},
		{conversation(true, StateMenu), Event{Kind: EventTimeout}},
		{conversation(true, StateHandoff), Event{Kind: EventHandedBack}},
		{conversation(false, StateHandoff), Event{Kind: EventHandedBack}},
	}
	var got []string
	for _, e := range events {
		e.ev.Case = testCase("pt")
		if e.c.State == StateHandoff {
			e.c.Handoff = Handoff{Status: HandoffAssigned, Agent: "bia@loja.example"}
		}
		msgs := sent(t, e.c, e.ev)
		if len(msgs) == 0 {
			t.Fatalf("%s sent nothing", e.ev.Kind)
		}
		if k := msgs[0].Template; !slices.Contains(OpeningKeys(), k) {
			t.Errorf("%s opens with %s, which OpeningKeys lacks", e.ev.Kind, k)
		}
		got = append(got, msgs[0].Template)
	}
	for _, k := range OpeningKeys() {
		if !slices.Contains(got, k) {
			t.Errorf("OpeningKeys has %s, which no event sent", k)
		}
	}
}

// TestOpeningMessagesCarryTheirValues: a reminder carries the named
// values a template's parameters are drawn from; a reply does not.
func TestOpeningMessagesCarryTheirValues(t *testing.T) {
	cs := testCase("pt")
	msgs := sent(t, conversation(true, StateClosed), Event{Kind: EventReminderDue, Step: "D+1", Variant: "a", DebtID: "d1", Case: cs})
	want := map[string]string{ValueFirstName: "Ana", ValueCreditorName: "Loja Exemplo", ValueAmount: "R$ 600,00",
		ValueDueDate: "10/11", ValueInvoice: "NF 1234", ValueShortLink: "loja.example"}
	if len(msgs) != 1 || !maps.Equal(msgs[0].Values, want) {
		t.Fatalf("reminder values %v, want %v", msgs, want)
	}
	inst := sent(t, conversation(true, StateClosed), Event{Kind: EventInstallmentDue, DebtID: "d1", Amount: 20467,
		DueDate: "2026-12-10", Installment: 2, Of: 3, Case: testCase("es")})
	if len(inst) != 1 || inst[0].Values[ValueInstallment] != "2" || inst[0].Values[ValueInstallments] != "3" ||
		inst[0].Values[ValueAmount] != "R$ 204,67" || inst[0].Values[ValueDueDate] != "10/12" {
		t.Errorf("installment values %+v", inst)
	}
	for _, m := range sent(t, conversation(true, StateMenu), Event{Kind: EventInbound, Text: say("info", "pt"), Case: testCase("pt")}) {
		if m.Values != nil {
			t.Errorf("reply %s carries values %v", m.Template, m.Values)
		}
	}
}

// TestButtonIntentIsUnderstood: a tapped quick-reply button is read as
// the intent it stands for, whatever its label says; an intent no button
// may carry is ignored and the label read as text.
func TestButtonIntentIsUnderstood(t *testing.T) {
	typed := sent(t, conversation(true, StateMenu), Event{Kind: EventInbound, Text: say("human", "pt"), Case: testCase("pt")})
	tapped := sent(t, conversation(true, StateMenu), Event{Kind: EventInbound, Text: "Falar com pessoa", Intent: IntentAskHuman, Case: testCase("pt")})
	if len(typed) == 0 || len(tapped) != len(typed) || tapped[0].Template != typed[0].Template {
		t.Errorf("tapped %v, typed %v", keysOf(tapped), keysOf(typed))
	}
	boleto := sent(t, conversation(true, StateMenu), Event{Kind: EventInbound, Text: "Segunda via", Intent: IntentAskBoleto, Case: testCase("pt")})
	asked := sent(t, conversation(true, StateMenu), Event{Kind: EventInbound, Text: say("boleto", "pt"), Case: testCase("pt")})
	if !reflect.DeepEqual(keysOf(boleto), keysOf(asked)) {
		t.Errorf("Segunda via button %v, typed request %v", keysOf(boleto), keysOf(asked))
	}
	odd := sent(t, conversation(true, StateMenu), Event{Kind: EventInbound, Text: "abacaxi azul", Intent: "greeting", Case: testCase("pt")})
	blah := sent(t, conversation(true, StateMenu), Event{Kind: EventInbound, Text: "abacaxi azul", Case: testCase("pt")})
	if !reflect.DeepEqual(keysOf(odd), keysOf(blah)) {
		t.Errorf("an intent no button carries changed the reading: %v vs %v", keysOf(odd), keysOf(blah))
	}
}

func keysOf(msgs []*Message) []string {
	var out []string
	for _, m := range msgs {
		out = append(out, m.Template)
	}
	return out
}

// TestCreditorDataIsTheCatalogData: a template body written out with
// CreditorData says what the bot's own text says.
func TestCreditorDataIsTheCatalogData(t *testing.T) {
	tr := &turn{cs: *testCase("pt")}
	data := tr.data()
	delete(data, "name")
	if got := CreditorData(tr.cs.Creditor); !reflect.DeepEqual(got, data) {
		t.Errorf("CreditorData %v, the turn's data %v", got, data)
	}
}
