package dialogs

import "strings"

// The safety rules of issue 19: distress and stop requests are acted on in
// every state, and a message that carries them beside another request gets
// both handled.

// TaskReviewDistress asks a person to review, without contacting the
// debtor, the account of someone in distress who asked us to stop.
const TaskReviewDistress = "review_distress"

// careForDistress answers a person who may be in crisis: care first, a
// support line, and an urgent person; a promise in the same message is
// kept (noted, no question asked). When the message also asks us to stop,
// contact stops: no person calls, the team reviews the account instead.
func (t *turn) careForDistress() {
	t.keepPromiseQuietly()
	if t.stopping {
		t.say("distress.care_stop")
		t.supportLine()
		t.act(Action{Kind: ActOpenTask, Task: TaskReviewDistress, DebtID: t.debtID(), Reason: ReasonDistress})
		t.recordOptOut()
		t.outcome(OutcomeOptOut)
		return
	}
	t.say("distress.care")
	t.supportLine()
	t.handoff("", ReasonDistress, PriorityUrgent)
}

// distressWhileHandoff: the person waiting for or talking with an agent is
// in crisis. The handoff becomes urgent (the console shows it at once);
// while nobody has taken it yet, the debtor hears, once, that we care and
// where to find help now. An agent holding it answers for us.
func (t *turn) distressWhileHandoff(stop bool) {
	if t.c.Handoff.Priority < PriorityUrgent || t.c.Handoff.Reason != ReasonDistress {
		t.c.Handoff.Priority, t.c.Handoff.Reason = PriorityUrgent, ReasonDistress
		t.act(Action{Kind: ActHandoff, Reason: ReasonDistress, Priority: PriorityUrgent, DebtID: t.debtID(), Escalate: true})
	}
	if t.c.Handoff.Status != HandoffQueued || t.slot(slotSupportLine) != "" {
		return
	}
	t.setSlot(slotSupportLine, "1")
	if stop {
		t.say("distress.care_stop")
	} else {
		t.say("distress.care_queued")
	}
	t.supportLine()
}

// supportLine names a line that helps where the debtor is: CVV 188 for a
// Brazilian number (in any language), the creditor's configured line for
// others, and without one, the local emergency number.
func (t *turn) supportLine() {
	line := t.cs.Creditor.SupportLine
	switch {
	case brazilian(t.c.Phone) || (!line.Set() && t.c.Language == "pt"):
		t.say("distress.cvv")
	case line.Set():
		t.say("distress.line", "line", line.Name, "line_phone", line.Phone, "line_url", line.URL)
	default:
		t.say("distress.emergency")
	}
}

// brazilian: an E.164 number of Brazil, or one without a country code
// (a Brazilian SMS short code or national number).
func brazilian(phone string) bool {
	return strings.HasPrefix(phone, "+55") || !strings.HasPrefix(phone, "+")
}

// keepPromiseQuietly notes a dated promise made beside distress ("to no
// hospital com minha mãe, segunda eu pago"): reminders wait for that day,
// and nobody asks anything now.
func (t *turn) keepPromiseQuietly() {
	if t.u.Intent != IntentPromiseToPay || t.u.Date == "" || t.debt == nil || !t.c.Verified {
		return
	}
	if d, ok := t.day(t.u.Date); ok && !d.Before(t.today()) {
		t.act(Action{Kind: ActRecordPromise, DebtID: t.debt.ID, Date: t.u.Date})
		t.act(Action{Kind: ActPauseReminders, DebtID: t.debt.ID, Until: t.morningOf(d)})
	}
}

// legalThreat hands the conversation to a person, who answers it; a
// payment the debtor says they made is noted first ("paguei, e se
// continuarem cobrando vou no Procon": reminders pause, the team checks).
// Beside a stop request, nobody promises to answer here.
func (t *turn) legalThreat() {
	if t.u.Intent == IntentAlreadyPaid && t.debt != nil && t.c.Verified {
		t.pauseForPayment()
	}
	key := "legal.handoff"
	if t.stopping {
		key = ""
	}
	t.handoff(key, ReasonLegalThreat, PriorityHigh)
}

// stopAfterRequest stops contact on this channel once the message's other
// request was answered ("para de me ligar, pago sexta": the promise is
// recorded, then contact stops). Nothing to do when the turn already
// stopped it (an opt-out, a wrong number).
func (t *turn) stopAfterRequest() {
	if !t.stopping || t.optedOut() || t.c.State == StateWrongNumber {
		return
	}
	t.say("optout.also")
	t.recordOptOut()
	t.outcome(OutcomeOptOut)
}
