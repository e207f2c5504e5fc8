package dialogs

// onMenu reads a message in the menu, and in every verified state whose
// own reading did not apply.
func (t *turn) onMenu() { t.route() }

// onClosed: a new message after the talk ended starts again.
func (t *turn) onClosed() {
	if !t.c.Verified {
		t.onStart()
		return
	}
	t.to(StateMenu)
	t.route()
}

// route answers a verified debtor's free text or menu option.
func (t *turn) route() {
	if n := bareNumber(t.text); n > 0 && t.menuOption(n) {
		return
	}
	switch t.u.Intent {
	case IntentAskBoleto:
		t.segundaVia()
	case IntentAskPix:
		t.pix()
	case IntentNegotiate:
		if t.u.Installments > 0 || t.u.AmountCents > 0 {
			t.nearest(PlanRequest{Installments: t.u.Installments, MonthlyCents: t.u.AmountCents})
		} else {
			t.offers()
		}
	case IntentPayInFull:
		t.nearest(PlanRequest{Installments: 1})
	case IntentPromiseToPay:
		t.promise()
	case IntentAlreadyPaid:
		t.alreadyPaid()
	case IntentDispute, IntentWrongPerson: // "that debt is not mine", from the verified debtor
		t.dispute()
	case IntentHardship:
		t.hardship()
	case IntentDebtInfo:
		t.summary()
	case IntentGreeting:
		t.say("greet.again")
		t.showMenu()
	case IntentAffirm:
		t.showMenu()
	case IntentDeny:
		t.say("anytime")
		t.to(StateMenu)
	case IntentThanksBye:
		t.say("bye")
		t.to(StateClosed)
	default:
		t.misunderstood("misunderstood.once")
	}
}

// menuOption runs a menu option; false when n is not one.
func (t *turn) menuOption(n int) bool {
	switch n {
	case 1:
		t.segundaVia()
	case 2:
		t.pix()
	case 3:
		t.offers()
	case 4:
		t.alreadyPaid()
	case 5:
		t.handoff("handoff.ask_human", ReasonAskHuman, PriorityNormal)
	default:
		return false
	}
	return true
}

// misunderstood answers a message the bot could not read: first a plain
// "say it another way" (key), then the menu, then a person.
func (t *turn) misunderstood(key string) {
	t.c.Missed++
	t.missed = true
	switch {
	case t.c.Missed >= missedBeforeHandoff:
		t.handoff("misunderstood.handoff", ReasonMisunderstanding, PriorityNormal)
	case t.c.Missed >= missedBeforeMenu && t.c.Verified:
		t.say("misunderstood.menu")
		t.say("menu.options")
	default:
		t.say(key)
	}
}

// needDebt says so and reports false when there is no open debt to act on.
func (t *turn) needDebt() bool {
	if t.debt != nil {
		return true
	}
	t.say("debt.none")
	t.to(StateClosed)
	return false
}
