package dialogs

import "time"

// promise records when the debtor says they will pay, or asks when.
func (t *turn) promise() {
	if !t.needDebt() {
		return
	}
	if t.u.Date == "" {
		t.say("promise.ask_date")
		t.to(StatePromiseDate)
		return
	}
	t.promiseOn(t.u.Date)
}

// promiseOn checks a promised date against the creditor's horizon.
func (t *turn) promiseOn(date string) {
	d, ok := t.day(date)
	if !ok {
		t.say("promise.ask_date")
		t.to(StatePromiseDate)
		return
	}
	today := t.today()
	if d.Before(today) {
		t.say("promise.past")
		t.to(StatePromiseDate)
		return
	}
	horizon := t.cs.Creditor.PromiseHorizonDays
	if horizon <= 0 {
		horizon = t.cfg.PromiseHorizonDays
	}
	if latest := today.AddDate(0, 0, horizon); d.After(latest) {
		t.setSlot(slotPromiseLatest, latest.Format(time.DateOnly))
		t.say("promise.too_far", "latest", t.fmtDay(latest.Format(time.DateOnly)))
		t.to(StatePromiseOffer)
		return
	}
	t.recordPromise(d)
}

// recordPromise records the promise, pauses reminders until that morning,
// when the bot's scheduler sends a friendly reminder (step "promise").
func (t *turn) recordPromise(d time.Time) {
	date := d.Format(time.DateOnly)
	t.act(Action{Kind: ActRecordPromise, DebtID: t.debt.ID, Date: date})
	t.act(Action{Kind: ActPauseReminders, DebtID: t.debt.ID, Until: t.morningOf(d)})
	t.delSlot(slotPromiseLatest)
	t.say("promise.ok", "date", t.fmtDay(date))
	t.outcome(OutcomePromise)
	t.askFeedback()
}

// onPromiseDate reads the date asked for.
func (t *turn) onPromiseDate() {
	switch {
	case t.u.Date != "":
		t.promiseOn(t.u.Date)
	case t.u.Intent == IntentUnknown || t.u.Intent == IntentPromiseToPay || t.u.Intent == IntentAffirm:
		t.misunderstood("promise.ask_date")
	default:
		t.route()
	}
}

// onPromiseOffer reads the answer to "the latest I can note is…".
func (t *turn) onPromiseOffer() {
	switch {
	case t.u.Date != "":
		t.promiseOn(t.u.Date)
	case t.u.Intent == IntentAffirm:
		if d, ok := t.day(t.slot(slotPromiseLatest)); ok && t.debt != nil {
			t.recordPromise(d)
			return
		}
		t.promise()
	case t.u.Intent == IntentDeny:
		t.offers()
	default:
		t.route()
	}
}
