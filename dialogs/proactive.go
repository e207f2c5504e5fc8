package dialogs

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/quita-bot/quita/locales"
)

// silent reports whether the bot must not write on this event: the number is
// not the debtor's, they opted out of this channel, or a person holds the
// conversation.
func (t *turn) silent() bool {
	return t.c.State == StateWrongNumber || t.optedOut() || t.c.Handoff.Active()
}

// reminderKind reads a cadence step: "D-3" before, "D0" due, "D+5" after,
// "promise" the morning of a promised date.
func reminderKind(step string) (string, error) {
	if step == "promise" {
		return "promise", nil
	}
	if s, ok := strings.CutPrefix(step, "D"); ok {
		if n, err := strconv.Atoi(s); err == nil {
			switch {
			case n < 0:
				return "before", nil
			case n == 0:
				return "due", nil
			default:
				return "after", nil
			}
		}
	}
	return "", fmt.Errorf("dialogs: reminder step %q: want D-N, D0, D+N or promise", step)
}

// reminder writes the cadence message for the step. It names the creditor;
// amount and date only go to a debtor who has verified on this number. It
// never moves the conversation: whatever the bot was waiting for (the
// identity answer, the first message…) it still waits for; a number in
// answer to its options is read as the menu's (inbound).
func (t *turn) reminder() error {
	kind, err := reminderKind(t.ev.Step)
	if err != nil {
		return err
	}
	if t.cs.Debtor == nil {
		return fmt.Errorf("dialogs: reminder %s for %s: the case has no debtor", t.ev.Step, t.c.ID)
	}
	if t.silent() || t.debt == nil || !collectible(*t.debt) {
		return nil // the scheduler raced a payment, dispute or opt-out: say nothing
	}
	variant := t.ev.Variant
	if variant == "" {
		variant = "a"
	}
	key := "reminder." + kind
	switch {
	case !t.c.Verified:
		key = "reminder.locked"
	case kind == "after" && t.cs.Debtor.Delays == 0:
		key += ".first"
	case kind == "after":
		key += ".again"
	}
	if locales.Has(locales.Default, key+"."+variant) {
		key += "." + variant
	} else {
		key += ".a"
	}
	t.setSlot(slotReminderStep, t.ev.Step)
	t.setSlot(slotReminderVariant, variant)
	t.delSlot(slotReplied, slotNudged)
	t.say(key, "amount", t.money(t.debt.AmountCents), "due", t.fmtDay(t.debt.DueDate))
	return nil
}

// timeout sends one gentle nudge after the debtor went quiet, never two.
func (t *turn) timeout(from stateDef) {
	if !from.nudge || t.silent() || t.slot(slotNudged) != "" || t.cs.Debtor == nil {
		return
	}
	t.setSlot(slotNudged, "1")
	t.say("nudge")
}

// handedBack gives the conversation back to the bot where the agent said.
func (t *turn) handedBack() error {
	resume := t.ev.Resume
	if resume == "" {
		resume = ResumeMenu
	}
	if resume != ResumeMenu && resume != ResumeNegotiation && resume != ResumeClosed {
		return fmt.Errorf("dialogs: hand back to %q: want menu, negotiation or closed", resume)
	}
	t.c.Handoff = Handoff{}
	t.c.Missed, t.c.Abuse, t.c.Attempts = 0, 0, 0
	switch {
	case t.c.State == StateWrongNumber:
		return nil
	case t.optedOut():
		t.to(StateOptedOut)
		return nil
	case resume == ResumeClosed:
		t.to(StateClosed)
		return nil
	case t.cs.Debtor == nil:
		t.to(StateUnknownNumber)
		return nil
	case !t.c.Verified:
		t.say("handback.verify")
		t.afterGreet()
		return nil
	}
	t.say("handback")
	if resume == ResumeNegotiation {
		t.offers()
	} else {
		t.showMenu()
	}
	return nil
}

// paymentConfirmed thanks the debtor and stops the debt's reminders.
func (t *turn) paymentConfirmed() {
	id := t.ev.DebtID
	if id == "" {
		id = t.debtID()
	}
	t.act(Action{Kind: ActStopReminders, DebtID: id, Reason: "paid"})
	t.delSlot(slotPayCents, slotPayDue, slotReceiptTask, slotPlan, slotOffers, slotNudged)
	if t.silent() {
		return
	}
	if t.c.Verified && t.ev.Amount > 0 {
		t.say("paid.confirmed_amount", "amount", t.money(t.ev.Amount))
	} else {
		t.say("paid.confirmed")
	}
	t.to(StateClosed)
}

// installmentDue gives a friendly heads-up for an agreement installment and
// offers its boleto or PIX; like reminder, it leaves the state as it is
// (boleto and PIX then charge the installment, slotPayCents).
func (t *turn) installmentDue() {
	if t.silent() || t.cs.Debtor == nil || t.ev.Amount <= 0 {
		return
	}
	if !t.c.Verified {
		t.say("reminder.locked.a")
		return
	}
	t.setSlot(slotPayCents, strconv.FormatInt(t.ev.Amount, 10))
	t.setSlot(slotPayDue, t.ev.DueDate)
	t.delSlot(slotNudged)
	t.say("installment.due", "n", t.ev.Installment, "of", t.ev.Of,
		"amount", t.money(t.ev.Amount), "due", t.fmtDay(t.ev.DueDate))
}
