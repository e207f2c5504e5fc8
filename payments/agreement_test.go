package payments

import (
	"errors"
	"testing"
)

func threeInstallments(t *testing.T) (Policy, Plan) {
	p := DefaultPolicy() // 5 grace days
	plan, err := InstallmentPlan(p, 30000, 3, day("2026-04-10"))
	if err != nil {
		t.Fatal(err)
	}
	return p, plan
}

func TestAgreementPaidOnTime(t *testing.T) {
	p, plan := threeInstallments(t)
	a, err := NewAgreement(p, plan, day("2026-04-01"))
	if err != nil {
		t.Fatal(err)
	}
	if ev := a.Evaluate(day("2026-04-05")); ev.Status != AgreementActive || ev.Next.Number != 1 || ev.RemainingCents != plan.TotalCents {
		t.Fatalf("%+v", ev)
	}
	for i, in := range plan.Installments {
		if err := a.Pay(in.AmountCents, in.DueDate); err != nil {
			t.Fatal(err)
		}
		want := AgreementActive
		if i == len(plan.Installments)-1 {
			want = AgreementPaid
		}
		if a.Status != want {
			t.Fatalf("after installment %d: %s, want %s", i+1, a.Status, want)
		}
	}
	if ev := a.Evaluate(day("2027-01-01")); ev.Status != AgreementPaid || ev.RemainingCents != 0 || ev.Next != nil {
		t.Fatalf("%+v", ev)
	}
	if err := a.Pay(1, day("2027-01-01")); !errors.Is(err, ErrAgreementClosed) {
		t.Errorf("paying a paid agreement: %v", err)
	}
}

func TestAgreementLateThenBroken(t *testing.T) {
	p, plan := threeInstallments(t)
	a, _ := NewAgreement(p, plan, day("2026-04-01"))
	if err := a.Pay(plan.Installments[0].AmountCents, day("2026-04-10")); err != nil {
		t.Fatal(err)
	}
	// Second installment due 2026-05-10: late from the 11th, within grace to the 15th.
	ev := a.Evaluate(day("2026-05-15"))
	if ev.Status != AgreementLate || ev.DaysLate != 5 || len(ev.Overdue) != 1 || ev.Overdue[0] != 2 || ev.ReturnToCollection {
		t.Fatalf("%+v", ev)
	}
	// Paying part of it keeps it late; paying the rest on the last grace day restores it.
	if err := a.Pay(1000, day("2026-05-15")); err != nil || a.Status != AgreementLate {
		t.Fatalf("%v %s", err, a.Status)
	}
	if err := a.Pay(plan.Installments[1].AmountCents-1000, day("2026-05-15")); err != nil || a.Status != AgreementActive {
		t.Fatalf("%v %s", err, a.Status)
	}
	// The third (due 2026-06-10) is never paid: late through the 15th, broken
	// on the 16th, the sixth day late.
	if ev := a.Evaluate(day("2026-06-15")); ev.Status != AgreementLate {
		t.Fatalf("%+v", ev)
	}
	ev = a.Evaluate(day("2026-06-16"))
	if ev.Status != AgreementBroken || !ev.ReturnToCollection || !a.BrokenOn.Equal(day("2026-06-16")) {
		t.Fatalf("%+v broken on %s", ev, a.BrokenOn)
	}
	if want := plan.Installments[2].PrincipalCents; ev.BalanceCents != want {
		t.Errorf("balance %d, want the unpaid principal %d", ev.BalanceCents, want)
	}
	if err := a.Pay(100, day("2026-06-18")); !errors.Is(err, ErrAgreementClosed) {
		t.Errorf("paying a broken agreement: %v", err)
	}
	// Broken is for good, even if evaluated at an earlier date later on.
	if a.Evaluate(day("2026-06-01")).Status != AgreementBroken {
		t.Error("a broken agreement came back")
	}
}

func TestAgreementPaymentAfterGraceFindsItBroken(t *testing.T) {
	p, plan := threeInstallments(t)
	a, _ := NewAgreement(p, plan, day("2026-04-01"))
	if err := a.Pay(plan.Installments[0].AmountCents, day("2026-04-20")); !errors.Is(err, ErrAgreementClosed) {
		t.Fatalf("got %v", err)
	}
	if a.BalanceCents != 30000 {
		t.Errorf("balance %d, want the whole principal", a.BalanceCents)
	}
}

func TestAgreementFullPlanBreakLosesDiscount(t *testing.T) {
	p := DefaultPolicy()
	plan, _ := FullPlan(p, 100000, 90, day("2026-04-10")) // 10% off: 900.00
	a, _ := NewAgreement(p, plan, day("2026-04-01"))
	if err := a.Pay(40000, day("2026-04-10")); err != nil {
		t.Fatal(err)
	}
	ev := a.Evaluate(day("2026-05-01"))
	if ev.Status != AgreementBroken || ev.BalanceCents != 60000 {
		t.Errorf("%+v", ev)
	}
}

func TestAgreementDownPaymentAndOverpayment(t *testing.T) {
	p := DefaultPolicy()
	p.DownPaymentPercent = 20
	plan, err := InstallmentPlan(p, 100000, 4, day("2026-05-05"))
	if err != nil {
		t.Fatal(err)
	}
	a, err := NewAgreement(p, plan, day("2026-05-01"))
	if err != nil {
		t.Fatal(err)
	}
	if a.Items[0].Number != 0 || a.Items[0].AmountCents != 20000 || len(a.Items) != 5 {
		t.Fatalf("%+v", a.Items)
	}
	if err := a.Pay(plan.TotalCents+1, day("2026-05-05")); err == nil {
		t.Error("overpayment accepted")
	}
	// One payment covering the down payment and the first installment.
	if err := a.Pay(20000+plan.Installments[0].AmountCents, day("2026-05-05")); err != nil {
		t.Fatal(err)
	}
	if !a.Items[0].Paid() || !a.Items[1].Paid() || a.Items[2].PaidCents != 0 {
		t.Errorf("%+v", a.Items)
	}
	if _, err := NewAgreement(p, plan, day("2026-06-01")); err == nil {
		t.Error("an agreement starting after its first due date must fail")
	}
}
