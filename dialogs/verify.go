package dialogs

import "slices"

// pending is a request the debtor made before proving who they are; it is
// answered once they have.
type pending struct {
	U    Understanding `json:"u"`
	Text string        `json:"text"`
}

// needsIdentity are the intents that touch debt details.
var needsIdentity = []string{IntentAskBoleto, IntentAskPix, IntentNegotiate, IntentPayInFull,
	IntentPromiseToPay, IntentAlreadyPaid, IntentDispute, IntentHardship, IntentDebtInfo}

// onStart answers the first message: the creditor introduces itself (CDC
// art. 42-A) and asks who it is talking to before saying anything more.
func (t *turn) onStart() {
	if t.cs.Debtor == nil {
		t.say("unknown.greet")
		t.to(StateUnknownNumber)
		return
	}
	t.greet()
	t.afterGreet()
}

func (t *turn) greet() {
	if t.cs.Debtor == nil {
		t.say("unknown.greet")
		return
	}
	t.say("greet")
}

// afterGreet asks for identity, or, when none is needed or it is known,
// answers the request or shows the debt and the menu.
func (t *turn) afterGreet() {
	switch {
	case t.cs.Debtor == nil:
		t.to(StateUnknownNumber)
	case t.c.Verified || t.verification() == VerifyNone:
		t.c.Verified = true
		t.to(StateMenu)
		if slices.Contains(needsIdentity, t.u.Intent) {
			t.route()
		} else {
			t.summary()
		}
	case t.verification() == "":
		t.handoff("verify.agent", ReasonVerificationFailed, PriorityHigh)
	default:
		t.hold()
		t.askVerify()
	}
}

// hold keeps a request made before verification, to answer it after.
func (t *turn) hold() {
	if !slices.Contains(needsIdentity, t.u.Intent) {
		return
	}
	t.setJSON(slotPending, pending{U: t.u, Text: t.text})
	if t.u.Intent == IntentHardship && t.slot(slotEmpathy) == "" {
		t.say("hardship.empathy") // empathy needs no proof of identity
		t.setSlot(slotEmpathy, "1")
	}
}

// verification is the identity check in force: the creditor's choice, or
// the other one when the debtor's record lacks the data for it; "" when no
// check is possible (a person must verify).
func (t *turn) verification() string {
	d := t.cs.Debtor
	hasCPF := d != nil && len(digits(d.CPF)) >= 3
	hasBirth := d != nil && d.BirthDate != ""
	switch t.cs.Creditor.Verification {
	case VerifyNone:
		return VerifyNone
	case VerifyBirthDate:
		if hasBirth {
			return VerifyBirthDate
		}
	default:
		if hasCPF {
			return VerifyCPF3
		}
	}
	switch {
	case hasCPF:
		return VerifyCPF3
	case hasBirth:
		return VerifyBirthDate
	}
	return ""
}

func (t *turn) askVerify() {
	t.say("verify.ask." + t.verification())
	t.to(StateVerify)
}

// onVerify reads the answer to the identity question.
func (t *turn) onVerify() {
	if t.cs.Debtor == nil {
		t.onStart()
		return
	}
	mode := t.verification()
	if mode == "" || mode == VerifyNone {
		t.afterGreet()
		return
	}
	match, answered := t.checkIdentity(mode)
	switch {
	case !answered && slices.Contains(needsIdentity, t.u.Intent):
		t.hold()
		t.say("verify.first")
		t.askVerify()
	case !answered && t.u.Intent == IntentGreeting:
		t.askVerify()
	case !answered:
		t.misunderstood("verify.reask." + mode)
	case !match:
		t.c.Attempts++
		if t.c.Attempts >= maxVerifyAttempts {
			t.handoff("verify.failed", ReasonVerificationFailed, PriorityHigh)
			return
		}
		t.say("verify.wrong." + mode)
	default:
		t.c.Verified = true
		t.c.Attempts = 0
		t.say("verify.ok")
		t.afterVerified()
	}
}

// checkIdentity compares the answer with the record; answered is false when
// the text holds no answer at all.
func (t *turn) checkIdentity(mode string) (match, answered bool) {
	d := t.cs.Debtor
	if mode == VerifyBirthDate {
		got, ok := birthDate(t.text, t.today())
		if !ok {
			return false, len(digits(t.text)) >= 6
		}
		return got == d.BirthDate, true
	}
	got := digits(t.text)
	if len(got) < 3 || len(got) > 11 {
		return false, false
	}
	return got[:3] == digits(d.CPF)[:3], true
}

// afterVerified answers what was asked before verification, or shows the
// debt and the menu.
func (t *turn) afterVerified() {
	t.to(StateMenu)
	var p pending
	if t.getJSON(slotPending, &p) {
		t.delSlot(slotPending)
		t.u, t.text = p.U, p.Text
		t.route()
		return
	}
	t.summary()
}

// summary tells the verified debtor what is open, then shows the menu.
func (t *turn) summary() {
	if t.debt == nil {
		t.say("debt.none")
		t.to(StateClosed)
		return
	}
	d := *t.debt
	key := "debt.summary.upcoming"
	if due, ok := t.day(d.DueDate); ok && due.Before(t.today()) {
		key = "debt.summary.first"
		if t.cs.Debtor.Delays > 0 {
			key = "debt.summary.again"
		}
	}
	t.say(key, "invoice", d.Invoice, "description", d.Description,
		"amount", t.money(d.AmountCents), "due", t.fmtDay(d.DueDate))
	if reason := t.policyHandoff(d); reason != "" {
		t.handoff("handoff.policy", reason, PriorityNormal)
		return
	}
	t.showMenu()
}

// policyHandoff says why the creditor wants a person on this case, if it does:
// a VIP debtor, or a debt above the creditor's threshold.
func (t *turn) policyHandoff(d Debt) string {
	switch {
	case t.cs.Debtor != nil && t.cs.Debtor.VIP:
		return ReasonVIP
	case t.cs.Creditor.HandoffAboveCents > 0 && d.AmountCents > t.cs.Creditor.HandoffAboveCents:
		return ReasonHighValue
	}
	return ""
}

// onUnknownNumber: nothing to disclose; only a person or an opt-out help.
func (t *turn) onUnknownNumber() {
	if t.cs.Debtor != nil { // the number was linked to a debtor meanwhile
		t.onStart()
		return
	}
	if bareNumber(t.text) == 5 {
		t.handoff("handoff.ask_human", ReasonAskHuman, PriorityNormal)
		return
	}
	t.say("unknown.again")
}
