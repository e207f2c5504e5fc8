package payments

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Plan kinds.
const (
	PlanFull         = "full"         // one payment, with the policy's discount
	PlanInstallments = "installments" // optional down payment, then monthly installments (Price table)
)

// Installment is one payment of a plan.
type Installment struct {
	Number         int       `json:"number"` // 1…N; 0 is the down payment
	DueDate        time.Time `json:"due_date"`
	AmountCents    int64     `json:"amount_cents"`
	PrincipalCents int64     `json:"principal_cents"` // how much of the debt this payment settles
	InterestCents  int64     `json:"interest_cents"`
}

// Plan is one way to pay a debt. TotalCents = DownPaymentCents + the sum of
// Installments' AmountCents, always.
type Plan struct {
	Kind                   string        `json:"kind"`
	PrincipalCents         int64         `json:"principal_cents"` // the debt negotiated
	DiscountPercent        float64       `json:"discount_percent,omitempty"`
	DiscountCents          int64         `json:"discount_cents,omitempty"`
	DownPaymentCents       int64         `json:"down_payment_cents,omitempty"`
	DownPaymentDue         time.Time     `json:"down_payment_due,omitzero"`
	MonthlyInterestPercent float64       `json:"monthly_interest_percent,omitempty"`
	Installments           []Installment `json:"installments"`
	InterestCents          int64         `json:"interest_cents"`
	TotalCents             int64         `json:"total_cents"`
}

// Count is the number of installments after any down payment.
func (p Plan) Count() int { return len(p.Installments) }

// LargestInstallmentCents is the largest installment (the last one may differ
// from the others by the rounding remainder).
func (p Plan) LargestInstallmentCents() int64 {
	var m int64
	for _, in := range p.Installments {
		m = max(m, in.AmountCents)
	}
	return m
}

// FullPlan is paying everything at once on firstDue, less the discount of
// the policy's tier for daysOverdue (rounded down to the cent).
func FullPlan(p Policy, amountCents int64, daysOverdue int, firstDue time.Time) (Plan, error) {
	if err := checkPlanInput(p, amountCents); err != nil {
		return Plan{}, err
	}
	pct := p.DiscountPercent(daysOverdue)
	disc := amountCents * bps(pct) / 10000 // rounded down: never more than the policy grants
	total := amountCents - disc
	return Plan{
		Kind:            PlanFull,
		PrincipalCents:  amountCents,
		DiscountPercent: pct,
		DiscountCents:   disc,
		Installments:    []Installment{{Number: 1, DueDate: dateOf(firstDue), AmountCents: total, PrincipalCents: amountCents}},
		TotalCents:      total,
	}, nil
}

// ErrPlanNotAllowed is wrapped by InstallmentPlan when the policy forbids the
// count asked for.
var ErrPlanNotAllowed = errors.New("plan not allowed by the policy")

// InstallmentPlan splits amountCents into n monthly installments by the Price
// method (French amortization) at the policy's monthly rate, after the
// policy's down payment, if any. The down payment falls due on firstDue and
// the installments monthly after it; without a down payment the first
// installment falls due on firstDue. Each installment is the Price payment
// rounded to the cent, and the last absorbs the remainder so that the
// principal parts add up to the amount financed exactly. Day 29–31 due
// dates stay on the month's last day when a month is shorter.
func InstallmentPlan(p Policy, amountCents int64, n int, firstDue time.Time) (Plan, error) {
	if err := checkPlanInput(p, amountCents); err != nil {
		return Plan{}, err
	}
	if n < 1 || n > p.MaxInstallments {
		return Plan{}, fmt.Errorf("%w: %d installments, the policy allows 1 to %d", ErrPlanNotAllowed, n, p.MaxInstallments)
	}
	down := percentOf(amountCents, bps(p.DownPaymentPercent))
	if n == 1 && down == 0 {
		return Plan{}, fmt.Errorf("%w: a single installment is the payment in full", ErrPlanNotAllowed)
	}
	first := dateOf(firstDue)
	plan := Plan{
		Kind:                   PlanInstallments,
		PrincipalCents:         amountCents,
		DownPaymentCents:       down,
		MonthlyInterestPercent: p.InstallmentMonthlyInterest,
		Installments:           make([]Installment, n),
	}
	start := 0
	if down > 0 {
		plan.DownPaymentDue = first
		start = 1
	}
	financed := amountCents - down
	rate := bps(p.InstallmentMonthlyInterest)
	pmt := pricePayment(financed, rate, n)
	balance := financed
	for k := range n {
		interest := divRound(balance*rate, 10000)
		principal := pmt - interest
		if k == n-1 {
			principal = balance
		}
		balance -= principal
		plan.Installments[k] = Installment{
			Number:         k + 1,
			DueDate:        addMonths(first, start+k),
			AmountCents:    principal + interest,
			PrincipalCents: principal,
			InterestCents:  interest,
		}
		plan.InterestCents += interest
	}
	plan.TotalCents = down + financed + plan.InterestCents
	for _, in := range plan.Installments {
		if in.AmountCents < p.MinInstallmentCents {
			return Plan{}, fmt.Errorf("%w: %d installments of %s are below the minimum of %s",
				ErrPlanNotAllowed, n, FormatBRL(in.AmountCents), FormatBRL(p.MinInstallmentCents))
		}
	}
	return plan, nil
}

// pricePayment is the Price-table payment for financed cents over n months at
// rateBps a month, rounded to the cent: PV·i / (1 − (1+i)^−n).
func pricePayment(financed, rateBps int64, n int) int64 {
	if rateBps == 0 {
		return divRound(financed, int64(n))
	}
	i := float64(rateBps) / 10000
	return int64(math.Round(float64(financed) * i / (1 - math.Pow(1+i, -float64(n)))))
}

// addMonths moves d by n months, keeping the day or, when the month is
// shorter, its last day (31 Jan + 1 month = 28/29 Feb).
func addMonths(d time.Time, n int) time.Time {
	y, m, dd := d.Date()
	firstOfTarget := civil(y, m+time.Month(n), 1)
	last := firstOfTarget.AddDate(0, 1, -1).Day()
	return civil(firstOfTarget.Year(), firstOfTarget.Month(), min(dd, last))
}

func checkPlanInput(p Policy, amountCents int64) error {
	if err := p.Validate(); err != nil {
		return err
	}
	if amountCents <= 0 {
		return errors.New("plan: amount must be positive")
	}
	if amountCents > maxAmount {
		return fmt.Errorf("plan: amount %s is above what a boleto can carry", FormatBRL(amountCents))
	}
	return nil
}

// OffersFor lists every plan the policy allows for a debt: the payment in
// full (with its discount) first, then each allowed number of installments,
// fewest first.
func OffersFor(p Policy, amountCents int64, daysOverdue int, firstDue time.Time) ([]Plan, error) {
	full, err := FullPlan(p, amountCents, daysOverdue, firstDue)
	if err != nil {
		return nil, err
	}
	offers := []Plan{full}
	for n := 1; n <= p.MaxInstallments; n++ {
		if pl, err := InstallmentPlan(p, amountCents, n, firstDue); err == nil {
			offers = append(offers, pl)
		}
	}
	return offers, nil
}

// How NearestPlan's choice relates to what was asked.
const (
	MatchExact      = "exact"              // the count asked for, or the fewest installments within the budget
	MatchFewer      = "fewer_installments" // the count asked for is above the maximum or makes installments below the minimum
	MatchOverBudget = "over_budget"        // no plan fits the monthly budget: this is the plan with the smallest installments
	MatchPaysInFull = "pays_in_full"       // the budget covers the whole (discounted) debt in one payment
	MatchOnlyFull   = "full_only"          // the policy allows no installments for this amount
)

// Nearest is NearestPlan's answer.
type Nearest struct {
	Plan  Plan   `json:"plan"`
	Match string `json:"match"`
}

// NearestPlan answers "N installments" (wantInstallments > 0) or "I can pay X
// a month" (wantMonthlyCents > 0), exactly one of them, with the allowed plan
// nearest to it:
//   - N installments: that plan when allowed; otherwise the most installments
//     the policy allows that is below N (MatchFewer); 1 is the payment in full.
//   - X a month: the payment in full when X covers it (MatchPaysInFull);
//     otherwise the fewest installments whose largest installment is at most X
//     (MatchExact); when none fits, the plan with the smallest installments
//     (MatchOverBudget). The down payment is not compared to X.
//
// When the policy allows no installments at all the answer is the payment in
// full (MatchOnlyFull).
func NearestPlan(p Policy, amountCents int64, daysOverdue int, wantInstallments int, wantMonthlyCents int64, firstDue time.Time) (Nearest, error) {
	if (wantInstallments > 0) == (wantMonthlyCents > 0) {
		return Nearest{}, errors.New("nearest plan: give either a number of installments or a monthly amount")
	}
	offers, err := OffersFor(p, amountCents, daysOverdue, firstDue)
	if err != nil {
		return Nearest{}, err
	}
	full, installments := offers[0], offers[1:]
	if wantInstallments == 1 {
		return Nearest{full, MatchExact}, nil
	}
	if len(installments) == 0 {
		return Nearest{full, MatchOnlyFull}, nil
	}
	if wantInstallments > 0 {
		var best *Plan
		for i := range installments {
			if c := installments[i].Count(); c == wantInstallments {
				return Nearest{installments[i], MatchExact}, nil
			} else if c < wantInstallments {
				best = &installments[i]
			}
		}
		if best == nil {
			return Nearest{installments[0], MatchFewer}, nil
		}
		return Nearest{*best, MatchFewer}, nil
	}
	if wantMonthlyCents >= full.TotalCents {
		return Nearest{full, MatchPaysInFull}, nil
	}
	for _, pl := range installments {
		if pl.LargestInstallmentCents() <= wantMonthlyCents {
			return Nearest{pl, MatchExact}, nil
		}
	}
	return Nearest{installments[len(installments)-1], MatchOverBudget}, nil
}
