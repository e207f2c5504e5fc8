package dialogs

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestStatesTable(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range states {
		if seen[s.name] {
			t.Errorf("state %s appears twice", s.name)
		}
		seen[s.name] = true
		if s.waits == "" {
			t.Errorf("state %s does not say what it waits for", s.name)
		}
		if s.inbound == nil && s.name != StateOptedOut && s.name != StateWrongNumber {
			t.Errorf("state %s cannot read a message", s.name)
		}
	}
	for _, s := range states {
		for _, n := range append(slices.Clone(s.next), append(anywhere, flows...)...) {
			if !seen[n] {
				t.Errorf("state %s leads to unknown state %s", s.name, n)
			}
		}
	}
}

// TestUnknownStateIsAnError: a state saved by another version is reported,
// never a panic, and the conversation is returned as it was.
func TestUnknownStateIsAnError(t *testing.T) {
	e := NewEngine(EngineConfig{Understander: fakeUnderstander{}, Cashier: fakeCashier{}})
	c := Conversation{ID: "+5511987650001", State: "negotiating_v0", Slots: map[string]string{"x": "y"}}
	for _, kind := range []EventKind{EventInbound, EventReminderDue, EventTimeout, EventHandedBack, EventPaymentConfirmed, EventInstallmentDue} {
		got, acts, err := e.Step(c, Event{Kind: kind, Text: "oi", Step: "D0", Case: testCase("pt")}, t0)
		if err == nil || !strings.Contains(err.Error(), `unknown conversation state "negotiating_v0"`) {
			t.Errorf("%s: err = %v", kind, err)
		}
		if acts != nil || !reflect.DeepEqual(got, c) {
			t.Errorf("%s: changed the conversation or acted: %+v %v", kind, got, acts)
		}
	}
}

func TestBadEventsAreErrors(t *testing.T) {
	e := NewEngine(EngineConfig{Understander: fakeUnderstander{}, Cashier: fakeCashier{}})
	c := Conversation{ID: "+5511987650001", State: StateMenu, Verified: true}
	for name, ev := range map[string]Event{
		"unknown event kind":      {Kind: "carrier_pigeon", Case: testCase("pt")},
		"unknown reminder step":   {Kind: EventReminderDue, Step: "tomorrow", Case: testCase("pt")},
		"reminder to no debtor":   {Kind: EventReminderDue, Step: "D0"},
		"unknown hand-back point": {Kind: EventHandedBack, Resume: "somewhere", Case: testCase("pt")},
	} {
		got, acts, err := e.Step(c, ev, t0)
		if err == nil {
			t.Errorf("%s: no error", name)
		}
		if acts != nil || !reflect.DeepEqual(got, c) {
			t.Errorf("%s: changed the conversation or acted", name)
		}
	}
}

// TestStepIsPure: the same inputs give the same outputs, and the caller's
// conversation is not touched.
func TestStepIsPure(t *testing.T) {
	e := NewEngine(EngineConfig{Understander: fakeUnderstander{}, Cashier: fakeCashier{}})
	c := Conversation{ID: "+5511987650001", State: StateNegotiate, Verified: true, Slots: map[string]string{"nudged": "1"}}
	before := c
	before.Slots = map[string]string{"nudged": "1"}
	ev := Event{Kind: EventInbound, Text: "2", Case: testCase("pt")}
	c1, a1, err1 := e.Step(c, ev, t0)
	c2, a2, err2 := e.Step(c, ev, t0)
	if err1 != nil || err2 != nil || !reflect.DeepEqual(c1, c2) || !reflect.DeepEqual(a1, a2) {
		t.Fatalf("two runs differ: %v %v", err1, err2)
	}
	if !reflect.DeepEqual(c, before) {
		t.Errorf("Step changed the caller's conversation: %+v", c.Slots)
	}
}

// TestZeroEngine: the zero Engine works with the defaults (the nlu
// classifier, no Cashier); the bot uses NewEngine.
func TestZeroEngine(t *testing.T) {
	var e Engine
	c, acts, err := e.Step(Conversation{}, Event{Kind: EventInbound, Text: "oi", Case: testCase("pt")}, t0)
	if err != nil || len(acts) == 0 || c.State == "" {
		t.Fatalf("zero engine: %v %v %+v", err, acts, c)
	}
	c, acts, err = e.Step(Conversation{State: StateMenu, Verified: true}, Event{Kind: EventInbound, Text: "1", Case: testCase("pt")}, t0)
	if err != nil || summarize(acts) != "pay.error !task:payment_error" {
		t.Fatalf("zero engine without a cashier: %v %s", err, summarize(acts))
	}
}

// TestNoCase: an event without a case is a number we know nothing about.
func TestNoCase(t *testing.T) {
	e := NewEngine(EngineConfig{Understander: fakeUnderstander{}, Cashier: fakeCashier{}})
	for _, kind := range []EventKind{EventInbound, EventTimeout, EventHandedBack, EventPaymentConfirmed, EventInstallmentDue} {
		c, acts, err := e.Step(Conversation{}, Event{Kind: kind, Text: "oi"}, t0)
		if err != nil {
			t.Errorf("%s: %v", kind, err)
		}
		for _, a := range acts {
			if a.Kind == ActSend && a.Message.Template != "unknown.greet" && a.Message.Template != "paid.confirmed" {
				t.Errorf("%s: said %s (state %s)", kind, a.Message.Template, c.State)
			}
		}
	}
}

func TestLanguageFollowsTheDebtor(t *testing.T) {
	e := NewEngine(EngineConfig{Understander: fakeUnderstander{}, Cashier: fakeCashier{}})
	c := Conversation{ID: "+5511987650001"}
	steps := []struct{ text, lang, key string }{
		{"hola", "es", "greet"},           // a Portuguese debtor's first message is in Spanish: at once
		{"ok", "es", "verify.reask.cpf3"}, // too short to tell: stays
		{"123", "es", "verify.ok"},
		{"quero a segunda via do boleto", "es", "boleto.intro"},    // one message in another language: stays
		{"send me the pix please", "es", "pix.intro"},              // another one, in a third language: stays
		{"can you send me the boleto again", "en", "boleto.intro"}, // two in a row: switches
	}
	for _, s := range steps {
		var acts []Action
		var err error
		c, acts, err = e.Step(c, Event{Kind: EventInbound, Text: s.text, Case: testCase("pt")}, t0)
		if err != nil || len(acts) == 0 {
			t.Fatalf("%q: %v %v", s.text, err, acts)
		}
		if c.Language != s.lang || acts[0].Message.Template != s.key {
			t.Errorf("%q: language %s, first message %s; want %s, %s", s.text, c.Language, acts[0].Message.Template, s.lang, s.key)
		}
	}
	if c.Language != "en" {
		t.Errorf("ends in %s", c.Language)
	}
}

// TestConversationSurvivesStorage runs every transcript again, storing the
// conversation as JSON between events, as the bot does.
func TestConversationSurvivesStorage(t *testing.T) {
	for _, tr := range transcripts {
		cs := testCase("pt")
		if tr.setup != nil {
			tr.setup(cs)
		}
		e := newTestEngine(tr)
		direct, stored := startConversation(tr), startConversation(tr)
		now := t0
		for i, l := range tr.lines {
			if l.at != 0 {
				now = t0.Add(l.at)
			} else if i > 0 {
				now = now.Add(time.Minute)
			}
			event := Event{Kind: EventInbound, Channel: "whatsapp", Text: say(l.in, "pt"), Media: l.media}
			if l.ev != nil {
				event = *l.ev
			}
			event.Case = cs
			var a1, a2 []Action
			direct, a1, _ = e.Step(direct, event, now)
			stored, a2, _ = e.Step(stored, event, now)
			if summarize(a1) != summarize(a2) {
				t.Fatalf("%s line %d: %s after storage, %s without", tr.name, i+1, summarize(a2), summarize(a1))
			}
			b, err := json.Marshal(stored)
			if err != nil {
				t.Fatal(err)
			}
			stored = Conversation{}
			if err := json.Unmarshal(b, &stored); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestRemindersKeepTheState: a reminder or an installment heads-up, in any
// state, verified or not, leaves the conversation where it was (it used to
// send an unverified debtor back to start, so the CPF digits they were
// typing got the greeting again).
func TestRemindersKeepTheState(t *testing.T) {
	e := NewEngine(EngineConfig{Understander: fakeUnderstander{}, Cashier: fakeCashier{}})
	events := map[string]Event{
		"reminder D+5":    {Kind: EventReminderDue, Step: "D+5", Variant: "a"},
		"installment due": {Kind: EventInstallmentDue, Amount: 20467, DueDate: "2026-12-23", Installment: 1, Of: 3},
	}
	for _, s := range states {
		for _, verified := range []bool{false, true} {
			for name, ev := range events {
				ev.Case = testCase("pt")
				c := Conversation{ID: "+5511987650001", Phone: "+5511987650001", Channel: "whatsapp", State: s.name, Verified: verified}
				got, acts, err := e.Step(c, ev, t0)
				if err != nil {
					t.Fatalf("%s in %s (verified %v): %v", name, s.name, verified, err)
				}
				if got.State != s.name || got.Verified != verified {
					t.Errorf("%s in %s (verified %v) moved it to %s (verified %v): %s", name, s.name, verified, got.State, got.Verified, summarize(acts))
				}
			}
		}
	}
}

// TestAskingAgainWhileAPersonHolds: once an agent holds the conversation,
// the agent answers; the bot says nothing, even to "a person, please".
func TestAskingAgainWhileAPersonHolds(t *testing.T) {
	e := NewEngine(EngineConfig{Understander: fakeUnderstander{}, Cashier: fakeCashier{}})
	c := Conversation{ID: "+5511987650001", Phone: "+5511987650001", Channel: "whatsapp", State: StateHandoff, Verified: true,
		Handoff: Handoff{Status: HandoffAssigned, Agent: "rita@loja.example", Reason: ReasonAskHuman, Priority: PriorityNormal, Since: t0}}
	got, acts, err := e.Step(c, Event{Kind: EventInbound, Channel: "whatsapp", Text: say("human", "pt"), Case: testCase("pt")}, t0.Add(time.Minute))
	if err != nil || len(acts) != 0 || got.State != StateHandoff || got.Handoff != c.Handoff {
		t.Fatalf("asked for a person while an agent holds it: err %v, acts %s, state %s, handoff %+v", err, summarize(acts), got.State, got.Handoff)
	}
}
