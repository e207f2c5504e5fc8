package bot

import (
	"context"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/quita-bot/quita/config"
	"github.com/quita-bot/quita/dialogs"
	"github.com/quita-bot/quita/storage"
)

const (
	quietPhone = "+5511987650011"
	quietCPF   = "52998224725"
)

// newEngineHarness is the scheduler harness with the engine serve runs.
func newEngineHarness(t *testing.T, start time.Time) *schedHarness {
	t.Helper()
	return newSchedHarnessWith(t, nil, start, SchedulerOptions{},
		dialogs.NewEngine(dialogs.EngineConfig{DefaultTimeZone: "America/Sao_Paulo"}), nil)
}

// importDebt writes a debt as `quita import` and POST /api/debts do (the
// storage import script), with its first reminder scheduled by the
// scheduler's cadence from the clock's now.
func (h *schedHarness) importDebt(invoice, cents, due string) string {
	h.t.Helper()
	at, err := h.sched.FirstReminder(config.DemoCreditorID, due, "America/Sao_Paulo")
	if err != nil {
		h.t.Fatal(err)
	}
	res, err := h.store.ImportDebts(context.Background(), []storage.ImportRow{{
		Creditor: config.DemoCreditorID, Invoice: invoice, CPF: quietCPF, Phones: []string{quietPhone},
		Debtor: map[string]string{storage.DebtorAttrName: "Ana Souza", storage.DebtorAttrBirth: "", storage.DebtorAttrEmail: "",
			storage.DebtorAttrLang: "pt", storage.DebtorAttrTZ: "America/Sao_Paulo", storage.DebtorAttrChannel: "whatsapp",
			storage.DebtorAttrVIP: "", storage.DebtorAttrDelays: ""},
		Debt: map[string]string{storage.DebtAttrDesc: "Compra " + invoice, storage.DebtAttrAmount: cents, storage.DebtAttrDue: due,
			storage.DebtAttrPurchase: "", storage.DebtAttrMethod: "boleto", storage.DebtAttrNossoNumero: ""},
		ScheduleAt: at.UnixMilli()}})
	if err != nil {
		h.t.Fatal(err)
	}
	return res[0].DebtID
}

// at runs f at the local time s: the clock moves there, the due reminders
// run, f runs and the pipeline drains.
func (h *schedHarness) at(s string, f func()) {
	h.t.Helper()
	h.clock.Set(local(s))
	if f != nil {
		f()
	}
	h.pump()
	h.runDue()
}

// sentSince is what went out from the n-th message on, one line each.
func (h *schedHarness) sentSince(n int) []string {
	var out []string
	for _, s := range h.ch.Sent()[n:] {
		out = append(out, s.String())
	}
	return out
}

func (h *schedHarness) conv(phone string) dialogs.Conversation {
	h.t.Helper()
	c, err := h.bot.Conversation(context.Background(), phone)
	if err != nil {
		h.t.Fatal(err)
	}
	return c
}

func anyContains(lines []string, sub string) bool {
	for _, l := range lines {
		if strings.Contains(l, sub) {
			return true
		}
	}
	return false
}

// TestReminderWaitsForTheConversation is the sequence a new user hit: Ana
// writes "oi" and gets the identity question; a second overdue debt of
// hers is imported, due at once; its reminder must not go into the
// conversation (it did: "Temos um recado…", the state went back to start and
// her CPF digits got the greeting again). It waits for the quiet period
// after the last message and then goes without moving the conversation.
func TestReminderWaitsForTheConversation(t *testing.T) {
	ctx := context.Background()
	h := newEngineHarness(t, local("2026-11-17 13:00")) // a Tuesday
	h.importDebt("NF-1", "35990", "2026-12-20")         // not due yet: no reminder today

	h.at("2026-11-17 14:00", h.say(quietPhone, "oi"))
	if c := h.conv(quietPhone); c.State != dialogs.StateVerify {
		t.Fatalf("after oi: state %q, want verify; sent %q", c.State, h.sentSince(0))
	}
	n := len(h.ch.Sent())

	var second string
	h.at("2026-11-17 14:01", func() { second = h.importDebt("NF-2", "12000", "2026-11-01") })
	if got := h.sentSince(n); len(got) != 0 {
		t.Fatalf("a reminder went into the conversation at 14:01: %q", got)
	}
	if c := h.conv(quietPhone); c.State != dialogs.StateVerify {
		t.Fatalf("after the import: state %q, want verify", c.State)
	}
	if at, ok, _ := h.store.NextReminder(ctx, second); !ok || !at.Equal(local("2026-11-17 16:00")) {
		t.Fatalf("second debt's reminder at %v (scheduled %v), want 16:00, two hours after the last message", at, ok)
	}
	if rs, _ := h.store.ReminderState(ctx, second); rs.Held != HeldQuiet || rs.LastStep != "" {
		t.Fatalf("reminder state %+v: want held %q and no step spent", rs, HeldQuiet)
	}

	h.at("2026-11-17 14:02", h.say(quietPhone, "529"))
	got := h.sentSince(n)
	if !anyContains(got, "Obrigado, Ana") || anyContains(got, "Aqui é Loja Exemplo") {
		t.Fatalf("the CPF digits were not taken as the identity answer: %q", got)
	}
	c := h.conv(quietPhone)
	if !c.Verified || c.State != dialogs.StateMenu {
		t.Fatalf("after the CPF: verified %v state %q, want verified in menu", c.Verified, c.State)
	}
	n = len(h.ch.Sent())

	// 16:00 is two hours after 14:00, but Ana wrote at 14:02: it waits again.
	h.at("2026-11-17 16:00", nil)
	if got := h.sentSince(n); len(got) != 0 {
		t.Fatalf("reminder sent inside the quiet period: %q", got)
	}
	h.at("2026-11-17 16:02", nil)
	got = h.sentSince(n)
	if len(got) != 1 || !strings.HasPrefix(got[0], "Tue 2026-11-17 16:02 "+quietPhone) || !strings.Contains(got[0], "R$ 120,00") {
		t.Fatalf("after the quiet period: sent %q, want the reminder of the second debt (R$ 120,00) at 16:02", got)
	}
	if c := h.conv(quietPhone); c.State != dialogs.StateMenu || !c.Verified {
		t.Fatalf("the reminder moved the conversation: state %q verified %v, want menu", c.State, c.Verified)
	}
	if rs, _ := h.store.ReminderState(ctx, second); rs.Held != "" || rs.LastStep == "" {
		t.Fatalf("reminder state after sending %+v: want a step recorded and nothing held", rs)
	}
}

// TestImportedRemindersCrossTheFirstMessage: a freshly imported overdue
// portfolio holds two debts of Ana, both due at once, while her first
// message is waiting to be read. Neither reminder crosses it: the bot
// answers her, she verifies, and the reminders follow one by one (the first
// after the quiet period, the second when the gate's daily cap allows), in
// the state she is in.
func TestImportedRemindersCrossTheFirstMessage(t *testing.T) {
	h := newEngineHarness(t, local("2026-11-17 09:59"))
	h.clock.Set(local("2026-11-17 10:00"))
	a := h.importDebt("NF-1", "35990", "2026-11-01")
	b := h.importDebt("NF-2", "12000", "2026-11-05")
	h.say(quietPhone, "oi")() // accepted, not read yet
	h.runDue()
	h.pump()
	got := h.sentSince(0)
	if anyContains(got, "Temos um recado") || len(got) != 2 || !strings.Contains(got[0], "Aqui é Loja Exemplo") {
		t.Fatalf("at 10:00 sent %q: want only the greeting and the identity question", got)
	}
	h.at("2026-11-17 10:01", h.say(quietPhone, "529"))
	if c := h.conv(quietPhone); !c.Verified || c.State != dialogs.StateMenu {
		t.Fatalf("after the CPF: verified %v state %q; sent %q", c.Verified, c.State, h.sentSince(0))
	}
	n := len(h.ch.Sent())
	h.until(local("2026-11-18 12:00"), nil)
	got = h.sentSince(n)
	if len(got) != 2 || !strings.HasPrefix(got[0], "Tue 2026-11-17 12:01") || !strings.HasPrefix(got[1], "Wed 2026-11-18 08:00") {
		t.Fatalf("reminders sent %q: want one at 12:01 (two hours after the last message) and the other when the daily cap allows, Wednesday 08:00", got)
	}
	for _, id := range []string{a, b} {
		if rs, _ := h.store.ReminderState(context.Background(), id); rs.LastStep == "" {
			t.Errorf("debt %s: no reminder recorded", id)
		}
	}
	if c := h.conv(quietPhone); c.State != dialogs.StateMenu {
		t.Fatalf("state %q after the reminders, want menu", c.State)
	}
}

// TestNoReminderDuringAHandoff: a conversation waiting for a person, or
// held by one, gets no reminder; it is rescheduled with the reason
// recorded, and the conversation keeps its state.
func TestNoReminderDuringAHandoff(t *testing.T) {
	ctx := context.Background()
	for _, status := range []string{dialogs.HandoffQueued, dialogs.HandoffAssigned} {
		t.Run(status, func(t *testing.T) {
			h := newEngineHarness(t, local("2026-11-17 08:00"))
			id := h.importDebt("NF-1", "35990", "2026-11-20") // D-3: today at 10:00
			if err := h.bot.Update(ctx, quietPhone, func(c *dialogs.Conversation) ([]storage.Message, []storage.Outbound, error) {
				c.State, c.Handoff = dialogs.StateVerify, dialogs.Handoff{Status: status, Reason: dialogs.ReasonAskHuman, Since: h.clock.Now()}
				return nil, nil, nil
			}); err != nil {
				t.Fatal(err)
			}
			h.at("2026-11-17 10:00", nil)
			if got := h.sentSince(0); len(got) != 0 {
				t.Fatalf("sent %q during a handoff", got)
			}
			if c := h.conv(quietPhone); c.State != dialogs.StateVerify || c.Handoff.Status != status {
				t.Fatalf("state %q handoff %q, want verify and %s", c.State, c.Handoff.Status, status)
			}
			rs, _ := h.store.ReminderState(ctx, id)
			at, ok, _ := h.store.NextReminder(ctx, id)
			if rs.Held != HeldHandoff || rs.LastStep != "" || !ok || !at.After(local("2026-11-17 10:00")) {
				t.Fatalf("reminder state %+v next %v %v: want held %q, no step spent, rescheduled", rs, at, ok, HeldHandoff)
			}
		})
	}
}

// TestQuietAfterMinutes: the quiet period is the creditor's cadence key
// quiet_after_minutes (default 120; a negative one is refused at start).
func TestQuietAfterMinutes(t *testing.T) {
	parse := func(src string) (Cadence, error) {
		var n yaml.Node
		if err := yaml.Unmarshal([]byte(src), &n); err != nil {
			t.Fatal(err)
		}
		return ParseCadence(*n.Content[0])
	}
	if c, err := parse("hour: 10\n"); err != nil || c.QuietAfter() != 2*time.Hour {
		t.Fatalf("default quiet period %v (%v), want 2h", c.QuietAfter(), err)
	}
	if _, err := parse("quiet_after_minutes: -5\n"); err == nil || !strings.Contains(err.Error(), "quiet_after_minutes") {
		t.Fatalf("a negative quiet period: err %v, want one naming quiet_after_minutes", err)
	}
	cad, err := parse("quiet_after_minutes: 30\n")
	if err != nil || cad.QuietAfter() != 30*time.Minute {
		t.Fatalf("quiet_after_minutes: 30 read as %v (%v)", cad.QuietAfter(), err)
	}
	h := newSchedHarnessWith(t, nil, local("2026-11-17 13:00"), SchedulerOptions{},
		dialogs.NewEngine(dialogs.EngineConfig{DefaultTimeZone: "America/Sao_Paulo"}), map[string]Cadence{config.DemoCreditorID: cad})
	h.importDebt("NF-1", "35990", "2026-12-20")
	h.at("2026-11-17 14:00", h.say(quietPhone, "oi"))
	var id string
	h.at("2026-11-17 14:01", func() { id = h.importDebt("NF-2", "12000", "2026-11-01") })
	if at, ok, _ := h.store.NextReminder(context.Background(), id); !ok || !at.Equal(local("2026-11-17 14:30")) {
		t.Fatalf("reminder at %v (%v), want 14:30, the creditor's 30 minutes after the last message", at, ok)
	}
}
