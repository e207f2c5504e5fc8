package dialogs

import (
	"strings"
)

// alreadyPaid thanks, asks for the receipt without insisting, pauses the
// reminders and opens a check for the team. Saying it again while a check
// is open brings a person.
func (t *turn) alreadyPaid() {
	if !t.needDebt() {
		return
	}
	if t.slot(slotReceiptTask) == t.debt.ID {
		t.handoff("paid.again", ReasonReceipt, PriorityNormal)
		return
	}
	t.pauseForPayment()
	if len(t.files()) > 0 { // "já paguei" with the receipt attached
		t.receipt()
		return
	}
	t.say("paid.thanks")
	t.to(StateReceipt)
}

// pauseForPayment pauses the debt's reminders while the team checks a
// payment the debtor says they made, and opens that check.
func (t *turn) pauseForPayment() {
	days := t.cs.Creditor.PaidPauseDays
	if days <= 0 {
		days = t.cfg.PaidPauseDays
	}
	t.act(Action{Kind: ActPauseReminders, DebtID: t.debt.ID, Until: t.morningOf(t.today().AddDate(0, 0, days))})
	t.act(Action{Kind: ActOpenTask, Task: TaskVerifyPayment, DebtID: t.debt.ID, Reason: t.text})
	t.setSlot(slotReceiptTask, t.debt.ID)
}

// files are the images and documents the debtor sent with this message.
func (t *turn) files() []Media {
	var out []Media
	for _, m := range t.ev.Media {
		if m.Kind == "image" || m.Kind == "document" {
			out = append(out, m)
		}
	}
	return out
}

// receipt attaches the image or PDF the debtor sent to a check for the team.
func (t *turn) receipt() {
	t.act(Action{Kind: ActOpenTask, Task: TaskVerifyReceipt, DebtID: t.debtID(), Reason: ReasonReceipt, Media: t.files()})
	t.say("paid.receipt_ok")
	t.to(StateClosed)
}

// onReceipt: a receipt is welcome, never required.
func (t *turn) onReceipt() {
	if len(t.files()) > 0 { // the receipt, with a caption
		t.receipt()
		return
	}
	if t.u.Intent == IntentDeny {
		t.say("paid.no_receipt")
		t.to(StateClosed)
		return
	}
	t.route()
}

// dispute records the reason in the debtor's words, suspends collection of
// the debt and hands off: an undue charge may be owed back twice (CDC art.
// 42, sole paragraph), so a person decides.
func (t *turn) dispute() {
	t.say("dispute.handoff")
	if t.debt != nil {
		t.act(Action{Kind: ActSuspendDebt, DebtID: t.debt.ID, Reason: t.text})
	}
	t.handoff("", ReasonDispute, PriorityHigh)
}

// scam explains how to check that we are who we say, without disclosing
// anything, and offers a person.
func (t *turn) scam() {
	if t.cs.Creditor.Name != "" { // a number no creditor owns can only offer a person
		t.say("scam.check")
		t.say("scam.never")
	}
	t.say("scam.human")
	if t.c.State == StateStart { // the question is asked; the talk begins
		switch {
		case t.cs.Debtor == nil:
			t.to(StateUnknownNumber)
		case t.verification() == VerifyNone:
			t.c.Verified = true
			t.to(StateMenu)
		default:
			t.to(StateVerify)
		}
	}
}

// optOut confirms kindly and stops contact on this channel for good.
func (t *turn) optOut() {
	t.say("optout.ok")
	t.recordOptOut()
	t.outcome(OutcomeOptOut)
}

// recordOptOut records an opt-out, without a word (also during a handoff).
func (t *turn) recordOptOut() {
	ch := t.channelKey()
	t.act(Action{Kind: ActOptOut, Channel: t.channel(), Reason: t.text})
	t.act(Action{Kind: ActStopReminders, Channel: t.channel(), Reason: OutcomeOptOut})
	if prev := t.slot(slotOptedOut); prev != "" {
		ch = prev + "," + ch
	}
	t.setSlot(slotOptedOut, ch)
	if !t.c.Handoff.Active() {
		t.to(StateOptedOut)
	}
}

// channelKey names the channel in the opt-out list; never empty.
func (t *turn) channelKey() string {
	if ch := t.channel(); ch != "" {
		return ch
	}
	return "default"
}

// optedOut reports whether the debtor asked us to stop on this channel.
func (t *turn) optedOut() bool {
	list := t.slot(slotOptedOut)
	return list != "" && strings.Contains(","+list+",", ","+t.channelKey()+",")
}

// wrongNumber apologises, marks the number as not the debtor's and stops;
// nothing about anyone is disclosed.
func (t *turn) wrongNumber() {
	t.say("wrong.sorry")
	if t.cs.Debtor != nil {
		t.act(Action{Kind: ActWrongNumber, Channel: t.channel(), Reason: t.text})
	}
	t.delSlot(slotPending)
	t.to(StateWrongNumber)
}
