package payments

import (
	"errors"
	"math/rand/v2"
	"testing"
)

// The textbook Price-table example: R$ 1.000,00 in 12 monthly payments at 1%
// a month gives payments of R$ 88,85 (1000 · 0.01 / (1 − 1.01^−12) = 88.8488).
func TestPricePaymentTextbook(t *testing.T) {
	if got := pricePayment(100000, 100, 12); got != 8885 {
		t.Errorf("payment %d, want 8885", got)
	}
	p := DefaultPolicy()
	p.InstallmentMonthlyInterest = 1
	plan, err := InstallmentPlan(p, 100000, 12, day("2026-01-31"))
	if err != nil {
		t.Fatal(err)
	}
	for i, in := range plan.Installments[:11] {
		if in.AmountCents != 8885 {
			t.Errorf("installment %d is %d", i+1, in.AmountCents)
		}
	}
	last := plan.Installments[11]
	if last.AmountCents < 8880 || last.AmountCents > 8890 {
		t.Errorf("last installment %d does not absorb only a rounding remainder", last.AmountCents)
	}
	// Month-end due dates stay on the month's last day.
	for i, want := range []string{"2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30"} {
		if got := plan.Installments[i].DueDate; !got.Equal(day(want)) {
			t.Errorf("installment %d due %s, want %s", i+1, got.Format("2006-01-02"), want)
		}
	}
}

func randomPolicy(r *rand.Rand) Policy {
	p := DefaultPolicy()
	p.InstallmentMonthlyInterest = float64(r.IntN(500)) / 100
	p.MinInstallmentCents = int64(1 + r.IntN(20000))
	p.MaxInstallments = 1 + r.IntN(36)
	p.DownPaymentPercent = []float64{0, 0, 10, 20, 33.33}[r.IntN(5)]
	p.DiscountTiers = []DiscountTier{{0, float64(r.IntN(10))}, {30, float64(r.IntN(40))}, {90, float64(r.IntN(90))}}
	return p
}

// Totals always add up, no installment is below the minimum, no plan has more
// installments than allowed, and no discount exceeds the policy's tier.
func TestPlanProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 3000 {
		p := randomPolicy(r)
		amount := 1 + r.Int64N([]int64{10_000, 1_000_000, 100_000_000}[r.IntN(3)])
		days := r.IntN(400)
		offers, err := OffersFor(p, amount, days, day("2026-03-10"))
		if err != nil {
			t.Fatal(err)
		}
		full := offers[0]
		if full.Kind != PlanFull || full.TotalCents+full.DiscountCents != amount {
			t.Fatalf("full plan %+v", full)
		}
		if full.DiscountCents*10000 > amount*bps(p.DiscountPercent(days)) {
			t.Fatalf("discount %d exceeds %.2f%% of %d", full.DiscountCents, p.DiscountPercent(days), amount)
		}
		for _, pl := range offers[1:] {
			sum, principal := pl.DownPaymentCents, pl.DownPaymentCents
			for _, in := range pl.Installments {
				sum += in.AmountCents
				principal += in.PrincipalCents
				if in.AmountCents < p.MinInstallmentCents {
					t.Fatalf("installment %d below the minimum %d: %+v", in.AmountCents, p.MinInstallmentCents, pl)
				}
				if in.AmountCents != in.PrincipalCents+in.InterestCents || in.PrincipalCents < 0 {
					t.Fatalf("installment parts do not add up: %+v", in)
				}
			}
			if sum != pl.TotalCents || principal != amount || pl.TotalCents != amount+pl.InterestCents {
				t.Fatalf("totals do not add up: sum %d principal %d plan %+v", sum, principal, pl)
			}
			if pl.Count() > p.MaxInstallments || pl.Count() < 1 {
				t.Fatalf("%d installments, max %d", pl.Count(), p.MaxInstallments)
			}
			if p.InstallmentMonthlyInterest == 0 && pl.InterestCents != 0 {
				t.Fatalf("interest without a rate: %+v", pl)
			}
		}
	}
}

func TestNearestPlan(t *testing.T) {
	p := DefaultPolicy() // 1.99% a month, min R$ 50,00, up to 12, 5% off from 15 days
	cases := []struct {
		name        string
		amount      int64
		days, n     int
		monthly     int64
		wantKind    string
		wantCount   int
		wantMatch   string
		wantPayment int64 // first installment, when checked (1200 · 0.0199 / (1 − 1.0199^−6) = 214.16)
	}{
		{"six installments", 120000, 45, 6, 0, PlanInstallments, 6, MatchExact, 21416},
		{"one is in full", 120000, 45, 1, 0, PlanFull, 1, MatchExact, 114000},
		{"above the maximum", 120000, 45, 24, 0, PlanInstallments, 12, MatchFewer, 0},
		{"below the minimum", 30000, 45, 10, 0, PlanInstallments, 6, MatchFewer, 0},
		{"budget 150 a month", 120000, 45, 0, 15000, PlanInstallments, 9, MatchExact, 0},
		{"budget 250 a month", 120000, 45, 0, 25000, PlanInstallments, 6, MatchExact, 0},
		{"budget covers it", 120000, 45, 0, 114000, PlanFull, 1, MatchPaysInFull, 114000},
		{"budget too small", 120000, 45, 0, 5000, PlanInstallments, 12, MatchOverBudget, 0},
		{"too small to split", 8000, 45, 3, 0, PlanFull, 1, MatchOnlyFull, 7600},
		{"fresh debt, no discount", 120000, 3, 1, 0, PlanFull, 1, MatchExact, 120000},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := NearestPlan(p, c.amount, c.days, c.n, c.monthly, day("2026-03-10"))
			if err != nil {
				t.Fatal(err)
			}
			if got.Plan.Kind != c.wantKind || got.Plan.Count() != c.wantCount || got.Match != c.wantMatch {
				t.Fatalf("got %s × %d (%s), want %s × %d (%s)", got.Plan.Kind, got.Plan.Count(), got.Match, c.wantKind, c.wantCount, c.wantMatch)
			}
			if c.wantPayment != 0 && got.Plan.Installments[0].AmountCents != c.wantPayment {
				t.Errorf("first payment %d, want %d", got.Plan.Installments[0].AmountCents, c.wantPayment)
			}
			if c.monthly > 0 && got.Match == MatchExact {
				if got.Plan.LargestInstallmentCents() > c.monthly {
					t.Errorf("installment %d above the budget %d", got.Plan.LargestInstallmentCents(), c.monthly)
				}
				if fewer, err := InstallmentPlan(p, c.amount, got.Plan.Count()-1, day("2026-03-10")); err == nil && fewer.LargestInstallmentCents() <= c.monthly {
					t.Errorf("%d installments would also fit the budget", fewer.Count())
				}
			}
		})
	}
	if _, err := NearestPlan(p, 1000, 0, 2, 100, day("2026-03-10")); err == nil {
		t.Error("asking for both a count and a budget must fail")
	}
}

func TestDownPayment(t *testing.T) {
	p := DefaultPolicy()
	p.DownPaymentPercent = 20
	pl, err := InstallmentPlan(p, 100000, 4, day("2026-05-05"))
	if err != nil {
		t.Fatal(err)
	}
	if pl.DownPaymentCents != 20000 || !pl.DownPaymentDue.Equal(day("2026-05-05")) || !pl.Installments[0].DueDate.Equal(day("2026-06-05")) {
		t.Errorf("down payment %d on %s, first installment on %s", pl.DownPaymentCents, pl.DownPaymentDue, pl.Installments[0].DueDate)
	}
	// With a down payment a single installment is a plan of its own.
	if _, err := InstallmentPlan(p, 100000, 1, day("2026-05-05")); err != nil {
		t.Error(err)
	}
	p.DownPaymentPercent = 0
	if _, err := InstallmentPlan(p, 100000, 1, day("2026-05-05")); !errors.Is(err, ErrPlanNotAllowed) {
		t.Errorf("got %v", err)
	}
}

func TestPolicyValidate(t *testing.T) {
	if err := DefaultPolicy().Validate(); err != nil {
		t.Fatal(err)
	}
	p := DefaultPolicy()
	p.FinePercent = 5
	if err := p.Validate(); err == nil {
		t.Error("a 5% fine must be rejected (CDC art. 52 §1)")
	}
	if p.fineBps() != 200 {
		t.Errorf("fine not capped: %d bps", p.fineBps())
	}
	p = DefaultPolicy()
	p.MaxInstallments = 0
	p.DiscountTiers = append(p.DiscountTiers, DiscountTier{MinDaysOverdue: 15, Percent: 1})
	if err := p.Validate(); err == nil {
		t.Error("expected errors")
	}
	if got := DefaultPolicy().DiscountPercent(45); got != 5 {
		t.Errorf("discount at 45 days %.2f", got)
	}
	if got := DefaultPolicy().DiscountPercent(10); got != 0 {
		t.Errorf("discount at 10 days %.2f", got)
	}
}
