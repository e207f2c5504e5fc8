package payments

import (
	"fmt"
	"time"
)

// Debt is what a segunda via starts from: the amount and due date of the
// original boleto, and the nosso número to print on the new one.
type Debt struct {
	AmountCents int64     `json:"amount_cents"`
	DueDate     time.Time `json:"due_date"`
	NossoNumero string    `json:"nosso_numero"`
}

// Update is a segunda via: the amount due on the new due date and its boleto.
type Update struct {
	OriginalCents int64     `json:"original_cents"`
	FineCents     int64     `json:"fine_cents"`
	InterestCents int64     `json:"interest_cents"`
	TotalCents    int64     `json:"total_cents"`
	DaysLate      int       `json:"days_late"` // from the original to the new due date
	DueDate       time.Time `json:"due_date"`
	Boleto        Boleto    `json:"boleto"`
}

// SegundaVia reissues a boleto. Before or on the original due date it is the
// same amount and due date. After it, the new boleto falls due
// p.SegundaViaDays business days after today (weekends and national holidays
// skipped) and charges, up to that date, the fine (policy's percent, never
// above 2%) plus simple interest pro rata die (monthly rate ÷ 30 per day).
// Each part is rounded down to the cent, and Total = Original + Fine +
// Interest.
func SegundaVia(p Policy, acct Account, d Debt, today time.Time) (Update, error) {
	u, err := UpdatedAmount(p, d, today)
	if err != nil {
		return Update{}, err
	}
	b, err := NewBoleto(acct, d.NossoNumero, u.TotalCents, u.DueDate)
	if err != nil {
		return Update{}, fmt.Errorf("segunda via: %w", err)
	}
	u.Boleto = b
	return u, nil
}

// UpdatedAmount is a segunda via's amounts and due date without its boleto:
// what a PIX charge of the updated debt asks for, with no bank account.
func UpdatedAmount(p Policy, d Debt, today time.Time) (Update, error) {
	if err := p.Validate(); err != nil {
		return Update{}, err
	}
	if d.AmountCents <= 0 {
		return Update{}, fmt.Errorf("segunda via: amount must be positive")
	}
	if d.DueDate.IsZero() {
		return Update{}, fmt.Errorf("segunda via: the original due date is required")
	}
	u := Update{OriginalCents: d.AmountCents, DueDate: dateOf(d.DueDate)}
	if dateOf(today).After(u.DueDate) {
		u.DueDate = AddBusinessDays(today, p.SegundaViaDays)
		u.DaysLate = daysBetween(d.DueDate, u.DueDate)
		// Both rounded down, so neither ever exceeds the contract (nor the
		// 2% cap): principal × bps / 10000, and principal × bps × days / (10000 × 30).
		u.FineCents = d.AmountCents * p.fineBps() / 10000
		u.InterestCents = d.AmountCents * bps(p.MonthlyInterest) * int64(u.DaysLate) / (10000 * 30)
	}
	u.TotalCents = u.OriginalCents + u.FineCents + u.InterestCents
	return u, nil
}
