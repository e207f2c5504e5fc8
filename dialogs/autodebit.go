package dialogs

import "strconv"

// Steps of EventAutoDebit.
const (
	AutoDebitOffer  = "offer"  // the one-time authorisation of the monthly debit, with its code
	AutoDebitNotice = "notice" // courtesy notice a few days before a debit
	AutoDebitFailed = "failed" // a debit did not go through: the installment is to be paid as usual
)

// autoDebit speaks of an agreement's Pix Automático (the bot sends it when
// the creditor's PSP offers it). Like reminder, it leaves the state as it
// is. The offer is one warm message and the code alone after it, so that
// a long press copies it; the notice replaces the installment's reminder
// cadence; a failed debit falls back to the installment's ordinary
// reminder (boleto or PIX).
func (t *turn) autoDebit() {
	if t.silent() || t.cs.Debtor == nil {
		return
	}
	if !t.c.Verified {
		if t.ev.Step != AutoDebitNotice {
			t.say("reminder.locked.a")
		}
		return
	}
	switch t.ev.Step {
	case AutoDebitOffer:
		if t.ev.Code == "" || t.ev.Amount <= 0 {
			return
		}
		t.say("autodebit.offer", "n", t.ev.Of, "value", t.money(t.ev.Amount), "first_due", t.fmtDay(t.ev.DueDate))
		t.send("pix.code", t.ev.Code, nil)
	case AutoDebitNotice:
		if t.ev.Amount <= 0 {
			return
		}
		t.say("autodebit.notice", "n", t.ev.Installment, "of", t.ev.Of, "amount", t.money(t.ev.Amount), "due", t.fmtDay(t.ev.DueDate))
	case AutoDebitFailed:
		if t.ev.Amount <= 0 {
			return
		}
		t.setSlot(slotPayCents, strconv.FormatInt(t.ev.Amount, 10))
		t.setSlot(slotPayDue, t.ev.DueDate)
		t.delSlot(slotNudged)
		t.say("autodebit.failed", "n", t.ev.Installment, "of", t.ev.Of, "amount", t.money(t.ev.Amount))
	}
}
