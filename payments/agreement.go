package payments

import (
	"errors"
	"fmt"
	"time"
)

// Agreement statuses.
const (
	AgreementActive = "active" // nothing overdue
	AgreementLate   = "late"   // an installment is overdue, still within the grace days
	AgreementPaid   = "paid"   // every installment paid
	AgreementBroken = "broken" // an installment stayed unpaid past the grace days: the balance returns to collection
)

// AgreementItem is one payment of an agreement and what has been paid of it.
type AgreementItem struct {
	Installment
	PaidCents int64     `json:"paid_cents"`
	PaidOn    time.Time `json:"paid_on,omitzero"` // when it was paid in full
}

// Paid reports whether the item is paid in full.
func (it AgreementItem) Paid() bool { return it.PaidCents >= it.AmountCents }

// Agreement (acordo) is a plan the debtor accepted, followed payment by
// payment. The down payment, if any, is item 0.
type Agreement struct {
	Plan      Plan            `json:"plan"`
	Start     time.Time       `json:"start"`
	GraceDays int             `json:"grace_days"`
	Items     []AgreementItem `json:"items"`
	Status    string          `json:"status"`
	BrokenOn  time.Time       `json:"broken_on,omitzero"`
	// BalanceCents is what returns to collection when the agreement breaks:
	// the principal not yet settled (future interest is dropped, discounts
	// are lost). Zero otherwise.
	BalanceCents int64 `json:"balance_cents,omitempty"`
}

// NewAgreement starts an agreement on plan, accepted on start, with the
// policy's grace days.
func NewAgreement(p Policy, plan Plan, start time.Time) (Agreement, error) {
	if err := p.Validate(); err != nil {
		return Agreement{}, err
	}
	if len(plan.Installments) == 0 {
		return Agreement{}, errors.New("agreement: the plan has no installments")
	}
	a := Agreement{Plan: plan, Start: dateOf(start), GraceDays: p.AgreementGraceDays, Status: AgreementActive}
	if plan.DownPaymentCents > 0 {
		a.Items = append(a.Items, AgreementItem{Installment: Installment{
			Number: 0, DueDate: plan.DownPaymentDue, AmountCents: plan.DownPaymentCents, PrincipalCents: plan.DownPaymentCents,
		}})
	}
	for _, in := range plan.Installments {
		a.Items = append(a.Items, AgreementItem{Installment: in})
	}
	for _, it := range a.Items {
		if it.DueDate.Before(a.Start) {
			return Agreement{}, fmt.Errorf("agreement: installment %d falls due on %s, before the agreement starts", it.Number, it.DueDate.Format(time.DateOnly))
		}
	}
	return a, nil
}

// ErrAgreementClosed is returned when paying an agreement that is paid or broken.
var ErrAgreementClosed = errors.New("agreement is closed")

// Pay records a payment received on the given day. It settles the oldest
// open items first; a payment may cover part of an item or several items.
// The agreement is evaluated on that day first, so a payment that arrives
// after the grace days finds it broken. Paying more than is owed is an
// error and records nothing.
func (a *Agreement) Pay(cents int64, on time.Time) error {
	if cents <= 0 {
		return errors.New("agreement: payment must be positive")
	}
	if st := a.Evaluate(on).Status; st == AgreementBroken || st == AgreementPaid {
		return fmt.Errorf("%w (%s)", ErrAgreementClosed, st)
	}
	if owed := a.RemainingCents(); cents > owed {
		return fmt.Errorf("agreement: payment of %s is more than the %s still owed", FormatBRL(cents), FormatBRL(owed))
	}
	for i := range a.Items {
		it := &a.Items[i]
		if it.Paid() || cents == 0 {
			continue
		}
		pay := min(cents, it.AmountCents-it.PaidCents)
		it.PaidCents += pay
		cents -= pay
		if it.Paid() {
			it.PaidOn = dateOf(on)
		}
	}
	a.Evaluate(on)
	return nil
}

// RemainingCents is what is still owed under the agreement's terms.
func (a *Agreement) RemainingCents() int64 {
	var r int64
	for _, it := range a.Items {
		r += it.AmountCents - it.PaidCents
	}
	return r
}

// Evaluation is the state of an agreement on one day.
type Evaluation struct {
	Status         string         `json:"status"`
	Overdue        []int          `json:"overdue,omitempty"`   // numbers of the unpaid items past their due date
	DaysLate       int            `json:"days_late,omitempty"` // of the oldest overdue item
	Next           *AgreementItem `json:"next,omitempty"`      // the next item to pay
	RemainingCents int64          `json:"remaining_cents"`
	// ReturnToCollection is set when the agreement broke: BalanceCents goes
	// back to ordinary collection.
	ReturnToCollection bool  `json:"return_to_collection,omitempty"`
	BalanceCents       int64 `json:"balance_cents,omitempty"`
}

// Evaluate updates the agreement's status for today and reports it. An item
// unpaid on its due date is late; one still unpaid more than GraceDays days
// after it breaks the agreement, for good.
func (a *Agreement) Evaluate(today time.Time) Evaluation {
	today = dateOf(today)
	if a.Status != AgreementBroken {
		a.Status = AgreementPaid
		for _, it := range a.Items {
			if it.Paid() {
				continue
			}
			late := daysBetween(it.DueDate, today)
			switch {
			case late > a.GraceDays:
				a.Status = AgreementBroken
				a.BrokenOn = it.DueDate.AddDate(0, 0, a.GraceDays+1)
				a.BalanceCents = a.unsettledPrincipal()
			case late > 0 && a.Status != AgreementBroken:
				a.Status = AgreementLate
			case a.Status == AgreementPaid:
				a.Status = AgreementActive
			}
			if a.Status == AgreementBroken {
				break
			}
		}
	}
	ev := Evaluation{Status: a.Status, RemainingCents: a.RemainingCents()}
	for i, it := range a.Items {
		if it.Paid() {
			continue
		}
		if ev.Next == nil {
			ev.Next = &a.Items[i]
		}
		if late := daysBetween(it.DueDate, today); late > 0 {
			ev.Overdue = append(ev.Overdue, it.Number)
			ev.DaysLate = max(ev.DaysLate, late)
		}
	}
	if a.Status == AgreementBroken {
		ev.ReturnToCollection, ev.BalanceCents, ev.Next = true, a.BalanceCents, nil
	}
	return ev
}

// unsettledPrincipal is the principal of the items not paid in full, less
// what was paid of them (partial payments count against principal first).
func (a *Agreement) unsettledPrincipal() int64 {
	var b int64
	for _, it := range a.Items {
		if !it.Paid() {
			b += max(0, it.PrincipalCents-it.PaidCents)
		}
	}
	return b
}
