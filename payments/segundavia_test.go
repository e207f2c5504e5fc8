package payments

import (
	"testing"
)

var itau = Account{Bank: "341", Agency: "1234", Account: "12345", Carteira: "109"}

func TestSegundaVia(t *testing.T) {
	p := DefaultPolicy() // 2% fine, 1% a month, 3 business days
	u, err := SegundaVia(p, itau, Debt{AmountCents: 100000, DueDate: day("2026-03-02"), NossoNumero: "77"}, day("2026-03-20"))
	if err != nil {
		t.Fatal(err)
	}
	// Friday 2026-03-20 + 3 business days = Wednesday 03-25; 23 days late.
	// Fine 2% = 20.00; interest 1000 · 1% · 23/30 = 7.666… → 7.66 (rounded down).
	if !u.DueDate.Equal(day("2026-03-25")) || u.DaysLate != 23 || u.FineCents != 2000 || u.InterestCents != 766 || u.TotalCents != 102766 {
		t.Fatalf("%+v", u)
	}
	if u.Boleto.AmountCents != u.TotalCents || !u.Boleto.DueDate.Equal(u.DueDate) {
		t.Errorf("boleto %+v", u.Boleto)
	}
	if pb, err := ParseBoleto(u.Boleto.Linha, u.DueDate); err != nil || pb.AmountCents != 102766 || !pb.DueDate.Equal(day("2026-03-25")) {
		t.Errorf("parsed %+v, %v", pb, err)
	}
}

func TestSegundaViaBeforeDueKeepsTerms(t *testing.T) {
	u, err := SegundaVia(DefaultPolicy(), itau, Debt{AmountCents: 5000, DueDate: day("2026-03-10"), NossoNumero: "1"}, day("2026-03-10"))
	if err != nil {
		t.Fatal(err)
	}
	if u.TotalCents != 5000 || u.FineCents != 0 || !u.DueDate.Equal(day("2026-03-10")) {
		t.Errorf("%+v", u)
	}
}

func TestSegundaViaFineNeverAboveTwoPercent(t *testing.T) {
	p := DefaultPolicy()
	p.FinePercent = 2
	for _, cents := range []int64{1, 49, 50, 99, 12345, 99_999_99} {
		u, err := SegundaVia(p, itau, Debt{AmountCents: cents, DueDate: day("2026-01-05"), NossoNumero: "1"}, day("2026-02-05"))
		if err != nil {
			t.Fatal(err)
		}
		if u.FineCents*100 > cents*2 {
			t.Errorf("fine %d on %d is above 2%%", u.FineCents, cents)
		}
	}
}

func TestBusinessDays(t *testing.T) {
	for _, c := range []struct {
		from string
		n    int
		want string
	}{
		{"2026-04-01", 3, "2026-04-07"}, // Good Friday 2026-04-03 and the weekend skipped
		{"2025-11-19", 1, "2025-11-21"}, // Consciência Negra, national since 2024
		{"2026-02-13", 1, "2026-02-16"}, // Friday → Monday
		{"2026-02-16", 1, "2026-02-18"}, // Carnaval Tuesday 2026-02-17
		{"2026-12-24", 1, "2026-12-28"}, // Natal and the weekend
		{"2026-03-21", 0, "2026-03-23"}, // Saturday rolls to Monday
	} {
		if got := AddBusinessDays(day(c.from), c.n); !got.Equal(day(c.want)) {
			t.Errorf("%s + %d = %s, want %s", c.from, c.n, got.Format("2006-01-02"), c.want)
		}
	}
	if IsBusinessDay(day("2026-09-07")) || !IsBusinessDay(day("2026-09-08")) {
		t.Error("Independência")
	}
}
