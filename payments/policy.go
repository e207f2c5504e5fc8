package payments

import (
	"errors"
	"fmt"
	"math"
	"sort"
)

// MaxFinePercent is the legal cap on late-payment fines (CDC art. 52 §1).
const MaxFinePercent = 2.0

// DiscountTier grants Percent off a payment in full once a debt is at least
// MinDaysOverdue days late.
type DiscountTier struct {
	MinDaysOverdue int     `json:"min_days_overdue" yaml:"min_days_overdue"`
	Percent        float64 `json:"percent" yaml:"percent"`
}

// Policy is a creditor's collection terms. Percentages are plain percents
// (2 means 2%); they are used to two decimal places (basis points).
type Policy struct {
	FinePercent                float64        `json:"fine_percent" yaml:"fine_percent"`                                 // late fine, % of the amount; capped at 2 (CDC art. 52 §1)
	MonthlyInterest            float64        `json:"monthly_interest" yaml:"monthly_interest"`                         // late interest, % a month, simple, pro rata die (month = 30 days)
	SegundaViaDays             int            `json:"segunda_via_days" yaml:"segunda_via_days"`                         // a segunda via falls due this many business days after today
	DiscountTiers              []DiscountTier `json:"discount_tiers" yaml:"discount_tiers"`                             // discounts for paying in full, by days overdue
	InstallmentMonthlyInterest float64        `json:"installment_monthly_interest" yaml:"installment_monthly_interest"` // Price-table rate, % a month
	MinInstallmentCents        int64          `json:"min_installment_cents" yaml:"min_installment_cents"`               // no installment below this
	MaxInstallments            int            `json:"max_installments" yaml:"max_installments"`                         // most installments in a plan
	DownPaymentPercent         float64        `json:"down_payment_percent" yaml:"down_payment_percent"`                 // entrada, % of the amount; 0 for none
	AgreementGraceDays         int            `json:"agreement_grace_days" yaml:"agreement_grace_days"`                 // days an installment may be late before the agreement breaks
}

// DefaultPolicy is the policy used when a creditor configures none: 2% fine,
// 1% a month interest, segunda via in 3 business days, 5–30% off for paying in
// full, up to 12 installments of at least R$ 50,00 at 1.99% a month, no down
// payment, 5 days of grace.
func DefaultPolicy() Policy {
	return Policy{
		FinePercent:     2,
		MonthlyInterest: 1,
		SegundaViaDays:  3,
		DiscountTiers: []DiscountTier{
			{MinDaysOverdue: 15, Percent: 5},
			{MinDaysOverdue: 60, Percent: 10},
			{MinDaysOverdue: 180, Percent: 20},
			{MinDaysOverdue: 365, Percent: 30},
		},
		InstallmentMonthlyInterest: 1.99,
		MinInstallmentCents:        5000,
		MaxInstallments:            12,
		DownPaymentPercent:         0,
		AgreementGraceDays:         5,
	}
}

// Validate reports the first setting that is out of range, naming it.
func (p Policy) Validate() error {
	var errs []error
	check := func(ok bool, format string, args ...any) {
		if !ok {
			errs = append(errs, fmt.Errorf(format, args...))
		}
	}
	check(p.FinePercent >= 0 && p.FinePercent <= MaxFinePercent, "fine_percent %.2f: must be between 0 and 2 (CDC art. 52 §1)", p.FinePercent)
	check(p.MonthlyInterest >= 0 && p.MonthlyInterest <= 10, "monthly_interest %.2f: must be between 0 and 10", p.MonthlyInterest)
	check(p.SegundaViaDays >= 1 && p.SegundaViaDays <= 60, "segunda_via_days %d: must be between 1 and 60", p.SegundaViaDays)
	seen := map[int]bool{}
	for _, t := range p.DiscountTiers {
		check(t.MinDaysOverdue >= 0, "discount_tiers: min_days_overdue %d must not be negative", t.MinDaysOverdue)
		check(t.Percent >= 0 && t.Percent < 100, "discount_tiers: percent %.2f must be at least 0 and below 100", t.Percent)
		check(!seen[t.MinDaysOverdue], "discount_tiers: min_days_overdue %d appears twice", t.MinDaysOverdue)
		seen[t.MinDaysOverdue] = true
	}
	check(p.InstallmentMonthlyInterest >= 0 && p.InstallmentMonthlyInterest <= 20, "installment_monthly_interest %.2f: must be between 0 and 20", p.InstallmentMonthlyInterest)
	check(p.MinInstallmentCents >= 1, "min_installment_cents %d: must be at least 1", p.MinInstallmentCents)
	check(p.MaxInstallments >= 1 && p.MaxInstallments <= 120, "max_installments %d: must be between 1 and 120", p.MaxInstallments)
	check(p.DownPaymentPercent >= 0 && p.DownPaymentPercent < 100, "down_payment_percent %.2f: must be at least 0 and below 100", p.DownPaymentPercent)
	check(p.AgreementGraceDays >= 0 && p.AgreementGraceDays <= 90, "agreement_grace_days %d: must be between 0 and 90", p.AgreementGraceDays)
	return errors.Join(errs...)
}

// bps turns a percent into basis points: 1.99 → 199.
func bps(percent float64) int64 { return int64(math.Round(percent * 100)) }

// fineBps is the policy's fine, never above the legal cap.
func (p Policy) fineBps() int64 { return min(bps(p.FinePercent), bps(MaxFinePercent)) }

// DiscountPercent is the discount for paying in full at daysOverdue: the tier
// with the largest MinDaysOverdue not above it, or 0.
func (p Policy) DiscountPercent(daysOverdue int) float64 {
	tiers := append([]DiscountTier(nil), p.DiscountTiers...)
	sort.Slice(tiers, func(i, j int) bool { return tiers[i].MinDaysOverdue < tiers[j].MinDaysOverdue })
	pct := 0.0
	for _, t := range tiers {
		if daysOverdue >= t.MinDaysOverdue {
			pct = t.Percent
		}
	}
	return pct
}
