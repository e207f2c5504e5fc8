package dialogs

import (
	"strconv"
	"strings"
)

// validOffers are the creditor's plans that can be explained, at most MaxOffers.
func (t *turn) validOffers() []Offer {
	var out []Offer
	for _, o := range t.cfg.Cashier.Offers(t.cs, *t.debt, t.now) {
		if o.valid() && len(out) < t.cfg.MaxOffers {
			out = append(out, o)
		}
	}
	return out
}

// offers lists the plans the creditor allows.
func (t *turn) offers() {
	if !t.needDebt() {
		return
	}
	if t.cfg.Cashier == nil {
		t.payError(errNoCashier)
		return
	}
	list := t.validOffers()
	if len(list) == 0 {
		t.say("offers.none")
		t.to(StateMenu)
		return
	}
	t.setJSON(slotOffers, list)
	lines := make([]string, len(list))
	for i, o := range list {
		lines[i] = strconv.Itoa(i+1) + ") " + t.offerLine(o)
	}
	t.say("offers.list", "options", strings.Join(lines, "\n"))
	t.to(StateNegotiate)
}

// offerLine says a plan in a few words: "6x de R$ 50,00".
func (t *turn) offerLine(o Offer) string {
	n, value := o.Installments, t.money(o.InstallmentCents[0])
	switch {
	case n == 1 && o.DownPaymentCents == 0 && o.DiscountCents > 0:
		return t.render("offer.full_discount", "total", t.money(o.TotalCents), "discount", t.money(o.DiscountCents))
	case n == 1 && o.DownPaymentCents == 0:
		return t.render("offer.full", "total", t.money(o.TotalCents))
	case o.DownPaymentCents > 0:
		return t.render("offer.plan_down", "down", t.money(o.DownPaymentCents), "n", n, "value", value)
	}
	return t.render("offer.plan", "n", n, "value", value)
}

// nearest explains the allowed plan closest to what the debtor asked for.
func (t *turn) nearest(req PlanRequest) {
	if !t.needDebt() {
		return
	}
	if t.cfg.Cashier == nil {
		t.payError(errNoCashier)
		return
	}
	o, err := t.cfg.Cashier.Nearest(t.cs, *t.debt, req, t.now)
	if err != nil || !o.valid() {
		t.say("plan.unavailable")
		t.offers()
		return
	}
	exact := (req.Installments == 0 || o.Installments == req.Installments) &&
		(req.MonthlyCents == 0 || o.InstallmentCents[0] <= req.MonthlyCents)
	key := "plan.nearest"
	if exact {
		key = "plan.exact"
	}
	t.propose(o, key)
}

// propose explains one plan plainly and asks to confirm it.
func (t *turn) propose(o Offer, key string) {
	t.setJSON(slotPlan, o)
	_, first := o.first()
	t.say(key, "plan", t.offerLine(o), "total", t.money(o.TotalCents), "first_due", t.fmtDay(first))
	t.to(StateConfirmPlan)
}

// onNegotiate reads a choice among the plans shown.
func (t *turn) onNegotiate() {
	if t.u.Installments > 0 || t.u.AmountCents > 0 {
		t.nearest(PlanRequest{Installments: t.u.Installments, MonthlyCents: t.u.AmountCents})
		return
	}
	var list []Offer
	t.getJSON(slotOffers, &list)
	if n := t.choice(); n > 0 {
		if n <= len(list) && list[n-1].valid() {
			t.propose(list[n-1], "plan.picked")
		} else {
			t.misunderstood("offers.pick")
		}
		return
	}
	if t.u.Intent == IntentDeny {
		t.say("offers.declined")
		t.to(StateMenu)
		return
	}
	t.route()
}

// onConfirmPlan reads the answer to "shall we close it?".
func (t *turn) onConfirmPlan() {
	switch {
	case t.u.Intent == IntentAffirm:
		t.agree()
	case t.u.Intent == IntentDeny:
		t.say("plan.declined")
		t.offers()
	case t.u.Installments > 0 || t.u.AmountCents > 0 || t.choice() > 0:
		t.onNegotiate()
	default:
		t.route()
	}
}

// agree creates the agreement the debtor confirmed, then offers the first
// payment's boleto or PIX.
func (t *turn) agree() {
	var o Offer
	if !t.getJSON(slotPlan, &o) || !o.valid() || t.debt == nil {
		t.offers()
		return
	}
	t.act(Action{Kind: ActCreateAgreement, DebtID: t.debt.ID, Agreement: o.agreement(t.debt.ID)})
	t.act(Action{Kind: ActStopReminders, DebtID: t.debt.ID, Reason: OutcomeAgreement})
	t.outcome(OutcomeAgreement)
	t.delSlot(slotPlan, slotOffers)
	cents, due := o.first()
	t.setSlot(slotPayCents, strconv.FormatInt(cents, 10))
	t.setSlot(slotPayDue, due)
	t.say("plan.agreed", "plan", t.offerLine(o))
	t.say("pay.ask_method", "amount", t.money(cents), "due", t.fmtDay(due))
	t.to(StatePayMethod)
}

// hardship answers with empathy first, then the longest plan and the same
// plan starting later.
func (t *turn) hardship() {
	if t.slot(slotEmpathy) == "" {
		t.say("hardship.empathy")
	}
	t.delSlot(slotEmpathy)
	if !t.needDebt() {
		return
	}
	if t.cfg.Cashier == nil {
		t.payError(errNoCashier)
		return
	}
	var longest Offer
	for _, o := range t.validOffers() {
		if o.Installments > longest.Installments {
			longest = o
		}
	}
	if longest.Installments <= 1 { // paying in full is no help in hardship
		t.say("hardship.no_plan")
		t.to(StateMenu)
		return
	}
	options := []Offer{longest}
	later := t.today().AddDate(0, 0, t.cfg.HardshipDeferDays).Format("2006-01-02")
	if o, err := t.cfg.Cashier.Nearest(t.cs, *t.debt, PlanRequest{Installments: longest.Installments, FirstDue: later}, t.now); err == nil && o.valid() && o.FirstDue > longest.FirstDue {
		options = append(options, o)
	}
	t.setJSON(slotOffers, options)
	kv := []any{"n", longest.Installments, "value", t.money(longest.InstallmentCents[0])}
	if len(options) == 2 {
		t.say("hardship.options", append(kv, "later", t.fmtDay(options[1].FirstDue))...)
	} else {
		t.say("hardship.longest", kv...)
	}
	t.to(StateNegotiate)
}
