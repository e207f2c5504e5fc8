package bot

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/quita-bot/quita/dialogs"
)

const (
	anaPhone   = "+5511987650001" // São Paulo
	brunoPhone = "+5521987650002" // Rio de Janeiro: 09–19 on weekdays, no Saturdays
	carlaPhone = "+5511987650003"
)

// TestCadenceMonth drives six weeks of reminders for three debtors with a
// simulated clock and asserts every message that goes out and when:
// Consciência Negra (20 Nov) and Christmas move reminders, Rio's law moves
// a Saturday reminder to Monday 09:00, a promise pauses the cadence until
// its morning, a payment stops it and thanks, an opt-out stops it, an
// agreement switches to installment reminders, and the daily and weekly caps
// delay one message.
func TestCadenceMonth(t *testing.T) {
	h := newSchedHarness(t, nil, local("2026-11-16 00:00"), SchedulerOptions{})
	ctx := context.Background()
	h.addDebt(dialogs.Debtor{ID: "ana", Name: "Ana", CPF: "52998224725", Phones: []string{anaPhone}, TimeZone: "America/Sao_Paulo"},
		dialogs.Debt{ID: "ana1", Invoice: "NF-1", AmountCents: 10000, DueDate: "2026-11-23"})
	h.addDebt(dialogs.Debtor{ID: "bruno", Name: "Bruno", CPF: "11144477735", Phones: []string{brunoPhone}, TimeZone: "America/Sao_Paulo"},
		dialogs.Debt{ID: "bruno1", Invoice: "NF-2", AmountCents: 20000, DueDate: "2026-12-04"})
	h.addDebt(dialogs.Debtor{ID: "carla", Name: "Carla", CPF: "12345678909", Phones: []string{carlaPhone}, TimeZone: "America/Sao_Paulo"},
		dialogs.Debt{ID: "carla1", Invoice: "NF-3", AmountCents: 10000, DueDate: "2026-12-22"})

	script := map[string]func(){
		"2026-11-23 10:30": h.say(anaPhone, "PROMETO 2026-11-27"),
		"2026-11-30 15:00": func() {
			if _, err := h.sched.MarkPaid(ctx, Payment{DebtID: "ana1", AmountCents: 10000}); err != nil {
				t.Fatal(err)
			}
		},
		"2026-12-07 12:00": h.say(brunoPhone, "SAIR"),
		"2026-12-22 11:00": h.say(carlaPhone, "ACORDO 2026-12-28 2027-01-28"),
		"2026-12-28 14:00": func() {
			if _, err := h.sched.MarkPaid(ctx, Payment{DebtID: "carla1", Installment: 1}); err != nil {
				t.Fatal(err)
			}
		},
	}
	timed := map[time.Time]func(){}
	for at, f := range script {
		timed[local(at)] = f
	}
	h.until(local("2026-12-31 23:59"), timed)

	want := []string{
		// Ana: D-3 falls on Consciência Negra (Fri 20 Nov): Saturday 08:00 instead.
		"Sat 2026-11-21 08:00 +5511987650001 lembrete D-3 " + AssignVariant("ana", "D-3", []string{"a", "b"}) + " ana1",
		"Mon 2026-11-23 10:00 +5511987650001 lembrete D0 a ana1",
		"Mon 2026-11-23 10:30 +5511987650001 combinado", // a reply: no window or cap applies
		// The promise paused D+1 (Tue 24); on the promised morning, a reminder.
		"Fri 2026-11-27 09:00 +5511987650001 lembrete promise a ana1",
		"Sat 2026-11-28 10:00 +5511987650001 lembrete D+5 a ana1",
		"Mon 2026-11-30 15:00 +5511987650001 obrigado ana1", // paid: thanked, no D+15
		"Tue 2026-12-01 10:00 +5521987650002 lembrete D-3 " + AssignVariant("bruno", "D-3", []string{"a", "b"}) + " bruno1",
		"Fri 2026-12-04 10:00 +5521987650002 lembrete D0 a bruno1",
		// D+1 is a Saturday: Rio allows no Saturday contact, Sunday none: Monday 09:00.
		"Mon 2026-12-07 09:00 +5521987650002 lembrete D+1 " + AssignVariant("bruno", "D+1", []string{"a", "b"}) + " bruno1",
		"Mon 2026-12-07 12:00 +5521987650002 pronto, sem mensagens", // opted out: no D+5
		"Sat 2026-12-19 10:00 +5511987650003 lembrete D-3 " + AssignVariant("carla", "D-3", []string{"a", "b"}) + " carla1",
		"Tue 2026-12-22 10:00 +5511987650003 lembrete D0 a carla1",
		"Tue 2026-12-22 11:00 +5511987650003 acordo feito",
		// Installment 1 (28 Dec) D-3 is Christmas: Saturday 08:00 instead.
		"Sat 2026-12-26 08:00 +5511987650003 parcela 1/2 2026-12-28",
		"Mon 2026-12-28 10:00 +5511987650003 parcela 1/2 2026-12-28",
		// Paid at 14:00: the thank-you is a receipt, not a collection
		// attempt, so neither the daily cap (the 10:00 installment reminder)
		// nor the weekly one (22, 26, 28 Dec) holds it back: it goes at once.
		"Mon 2026-12-28 14:00 +5511987650003 obrigado carla1",
	}
	var got []string
	for _, s := range h.ch.Sent() {
		got = append(got, s.String())
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("messages sent:\n%s\n\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for id, want := range map[string]string{"ana1": dialogs.DebtPaid, "bruno1": dialogs.DebtOpen, "carla1": dialogs.DebtAgreement} {
		d, err := h.store.Debt(ctx, id)
		if err != nil || d.Status != want {
			t.Errorf("debt %s status %q (err %v), want %q", id, d.Status, err, want)
		}
	}
	if _, ok, _ := h.store.NextReminder(ctx, "bruno1"); ok {
		t.Error("bruno1 is still scheduled after the opt-out")
	}
	if at, ok, _ := h.store.NextReminder(ctx, "carla1"); !ok || at.In(saoPaulo).Format("2006-01-02 15:04") != "2027-01-25 10:00" {
		t.Errorf("carla1 next reminder %v %v, want the 2nd installment's D-3, 2027-01-25 10:00", at, ok)
	}
}
