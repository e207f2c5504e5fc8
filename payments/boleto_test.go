package payments

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// Published worked examples. Each row names where its numbers come from.
var boletoVectors = []struct {
	source string
	acct   Account
	nn     string
	due    string
	cents  int64

	barcode, linha, nossoNumero, agencyCode string
}{
	{
		// pyboleto (eduardocereto/pyboleto) tests/test_banco_itau.py
		source: "pyboleto test_banco_itau.py",
		acct:   Account{Bank: "341", Agency: "0293", Account: "01328", Carteira: "109"},
		nn:     "157", due: "2009-10-19", cents: 2980,
		barcode:     "34199439500000029801090000015710293013280000",
		linha:       "34191.09008 00015.710296 30132.800001 9 43950000002980",
		nossoNumero: "109/00000157-1", agencyCode: "0293/01328-0",
	},
	{
		// pyboleto tests/test_banco_bradesco.py
		source: "pyboleto test_banco_bradesco.py",
		acct:   Account{Bank: "237", Agency: "278", Account: "039232", Carteira: "06"},
		nn:     "2125525", due: "2011-02-05", cents: 828000,
		barcode: "23794486900008280000278060000212552500392320",
		linha:   "23790.27804 60000.212559 25003.923205 4 48690000828000",
	},
	{
		// pyboleto tests/test_banco_santander.py (conta_cedente is the
		// código do beneficiário; pyboleto's default carteira is 102)
		source: "pyboleto test_banco_santander.py",
		acct:   Account{Bank: "033", Agency: "1333", BeneficiaryCode: "0707077", Carteira: "102"},
		nn:     "1234567", due: "2012-07-22", cents: 295295,
		barcode:     "03395540200002952959070707700000123456790102",
		linha:       "03399.07073 07700.000123 34567.901029 5 54020000295295",
		nossoNumero: "000001234567-9", agencyCode: "1333/0707077",
	},
	{
		// pyboleto tests/test_banco_do_brasil.py (BoletoBB(7, ...): 7-digit convênio)
		source: "pyboleto test_banco_do_brasil.py",
		acct:   Account{Bank: "001", Agency: "9999", Account: "99999", Convenio: "7777777", Carteira: "18"},
		nn:     "87654", due: "2011-03-08", cents: 295295,
		barcode:     "00196490000002952950000007777777000008765418",
		linha:       "00190.00009 07777.777009 00087.654182 6 49000000295295",
		nossoNumero: "77777770000087654",
	},
	{
		// caelum-stella stella-boleto CaixaTest.java, "carteira Sem Registro e
		// Registrada no SIGCB": beneficiário 290274-5, nosso número 24900000000000132-3
		source: "caelum-stella CaixaTest.java (SIGCB)",
		acct:   Account{Bank: "104", Agency: "589", BeneficiaryCode: "290274", Carteira: "2"},
		nn:     "900000000000132", due: "2012-09-04", cents: 8000,
		barcode:     "10499544600000080002902745900200040000001322",
		linha:       "10492.90271 45900.200044 00000.013227 9 54460000008000",
		nossoNumero: "24900000000000132-3", agencyCode: "589/290274-5",
	},
}

func TestBoletoPublishedVectors(t *testing.T) {
	for _, v := range boletoVectors {
		t.Run(v.source, func(t *testing.T) {
			b, err := NewBoleto(v.acct, v.nn, v.cents, day(v.due))
			if err != nil {
				t.Fatal(err)
			}
			if b.Barcode != v.barcode {
				t.Errorf("barcode\n got %s\nwant %s", b.Barcode, v.barcode)
			}
			if b.Linha != v.linha {
				t.Errorf("linha\n got %s\nwant %s", b.Linha, v.linha)
			}
			if v.nossoNumero != "" && b.NossoNumero != v.nossoNumero {
				t.Errorf("nosso número %s, want %s", b.NossoNumero, v.nossoNumero)
			}
			if v.agencyCode != "" && b.AgencyCode != v.agencyCode {
				t.Errorf("agency code %s, want %s", b.AgencyCode, v.agencyCode)
			}
			for _, in := range []string{v.linha, v.barcode, strings.ReplaceAll(strings.ReplaceAll(v.linha, ".", ""), " ", "")} {
				p, err := ParseBoleto(in, day(v.due))
				if err != nil {
					t.Fatalf("parse %s: %v", in, err)
				}
				if p.Barcode != v.barcode || p.Linha != v.linha || p.AmountCents != v.cents || !p.DueDate.Equal(day(v.due)) || p.Bank != v.acct.Bank {
					t.Errorf("parse %s = %+v", in, p)
				}
				if p.Fields == nil {
					t.Errorf("parse %s: campo livre not decoded: %s", in, p.Warning)
				}
			}
		})
	}
}

// brcobranca (kivanio/brcobranca) spec/brcobranca/boleto/caixa_spec.rb:
// convênio 245274, nosso número 000000000000001 → campo livre
// 2452740000100040000000017, nosso número 14000000000000001-4, 1825/245274-0;
// convênio 654321 at agência 2030 → 2030/654321-9.
func TestCaixaSIGCBCampoLivre(t *testing.T) {
	b, err := NewBoleto(Account{Bank: "104", Agency: "1825", Convenio: "245274"}, "000000000000001", 1000, day("2026-01-05"))
	if err != nil {
		t.Fatal(err)
	}
	if b.CampoLivre != "2452740000100040000000017" || b.NossoNumero != "14000000000000001-4" || b.AgencyCode != "1825/245274-0" {
		t.Errorf("got %s %s %s", b.CampoLivre, b.NossoNumero, b.AgencyCode)
	}
	b, err = NewBoleto(Account{Bank: "104", Agency: "2030", BeneficiaryCode: "654321"}, "1", 1000, day("2026-01-05"))
	if err != nil || b.AgencyCode != "2030/654321-9" {
		t.Errorf("got %s, %v", b.AgencyCode, err)
	}
}

// Bradesco's nosso-número digit, modulo 11 base 7 over carteira + nosso
// número: the worked example of Bradesco's boleto layout manual is carteira
// 19, nosso número 00000000002 → 8 (1·2 + 9·7 + 2·2 = 69; 69 mod 11 = 3;
// 11 − 3 = 8). Remainder 1 gives "P" and remainder 0 gives "0".
func TestBradescoNossoNumeroDigit(t *testing.T) {
	if got := bradescoNossoDV("19", "00000000002"); got != "8" {
		t.Errorf("got %s, want 8", got)
	}
	// Find a nosso número for each special remainder and check the mapping.
	seen := map[string]bool{}
	for i := 0; i < 100; i++ {
		nn := strings.Repeat("0", 9) + string(rune('0'+i/10)) + string(rune('0'+i%10))
		r := mod11Sum("09"+nn, 7) % 11
		got := bradescoNossoDV("09", nn)
		switch {
		case r == 0 && got != "0", r == 1 && got != "P", r > 1 && got != digitChar(11-r):
			t.Errorf("remainder %d gave %s", r, got)
		}
		seen[got] = true
	}
	if !seen["P"] || !seen["0"] {
		t.Errorf("special cases not exercised: %v", seen)
	}
}

// Boletos of layouts we do not generate still parse: only their campo livre
// stays undecoded. pyboleto test_banco_caixa.py (SR) and caelum-stella
// CaixaTest.java (SINCO).
func TestParseOtherLayouts(t *testing.T) {
	for _, c := range []struct {
		in    string
		due   string
		cents int64
	}{
		{"10498.01952 25086.156582 70000.004146 1 53880000295295", "2012-07-08", 295295},
		{"10491.00231  59990.000008  00039.944582  2  56830000401610", "2013-04-29", 401610},
	} {
		p, err := ParseBoleto(c.in, day(c.due))
		if err != nil {
			t.Fatalf("%s: %v", c.in, err)
		}
		if !p.DueDate.Equal(day(c.due)) || p.AmountCents != c.cents || p.Bank != "104" {
			t.Errorf("%s: %+v", c.in, p)
		}
	}
}

func TestDueFactor(t *testing.T) {
	for _, c := range []struct {
		date   string
		factor int
	}{
		{"1997-10-08", 1},
		{"2000-07-02", 999},
		{"2000-07-03", 1000}, // FEBRABAN: 1000 = 03/07/2000
		{"2009-10-19", 4395}, // pyboleto Itaú vector
		{"2025-02-21", 9999}, // last day of the first cycle
		{"2025-02-22", 1000}, // FEBRABAN rollover
		{"2026-12-10", 1656}, // DOMAIN.md
		{"2049-10-13", 9999}, // end of the second cycle
		{"2049-10-14", 1000},
	} {
		f, err := DueFactor(day(c.date))
		if err != nil || f != c.factor {
			t.Errorf("%s: got %d, %v; want %d", c.date, f, err, c.factor)
		}
	}
	if _, err := DueFactor(day("1997-10-07")); err == nil {
		t.Error("1997-10-07 has no factor")
	}
}

// Every date from 1997-10-08 to the end of 2049 survives a round trip, read
// with a reference date up to 4499 days away (a factor is unambiguous within
// half its 9000-day cycle).
func TestDueFactorRoundTrip(t *testing.T) {
	offsets := []int{0, 1, -1, 30, -30, 4499, -4499, 365 * 12, -365 * 12}
	for d := day("1997-10-08"); !d.After(day("2049-12-31")); d = d.AddDate(0, 0, 1) {
		f, err := DueFactor(d)
		if err != nil {
			t.Fatal(err)
		}
		for _, off := range offsets {
			got, ok, err := FactorDate(f, d.AddDate(0, 0, off))
			if err != nil || !ok || !got.Equal(d) {
				t.Fatalf("%s (factor %d, ref %+d days): got %s %v", d.Format(time.DateOnly), f, off, got.Format(time.DateOnly), err)
			}
		}
	}
}

func TestFactorZeroMeansNoDueDate(t *testing.T) {
	b, err := NewBoleto(boletoVectors[0].acct, "1", 1000, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := ParseBoleto(b.Linha, day("2026-01-01"))
	if err != nil || p.Factor != 0 || !p.DueDate.IsZero() {
		t.Errorf("got %+v, %v", p, err)
	}
}

func TestParseNamesFailingDigit(t *testing.T) {
	const good = "34191.09008 00015.710296 30132.800001 9 43950000002980"
	for _, c := range []struct {
		in, digit string
	}{
		{"34191.09009 00015.710296 30132.800001 9 43950000002980", "field 1"},
		{"34191.09008 00015.710297 30132.800001 9 43950000002980", "field 2"},
		{"34191.09008 00015.710296 30132.800002 9 43950000002980", "field 3"},
		{"34191.09008 00015.710296 30132.800001 8 43950000002980", "general"},
		{"34191.09008 00015.710296 30132.800001 9 43950000002981", "general"},
		{"34199439500000029801090000015710293013280001", "general"},
	} {
		_, err := ParseBoleto(c.in, day("2009-10-19"))
		var cde *CheckDigitError
		if !errors.As(err, &cde) || cde.Digit != c.digit {
			t.Errorf("%s: got %v, want a %s check-digit error", c.in, err, c.digit)
		}
	}
	if _, err := ParseBoleto(good, day("2009-10-19")); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"", "123", "34191.09008 00015.710296 30132.800001 9 4395000000298", "8" + strings.Repeat("0", 47), "3419x.09008"} {
		if _, err := ParseBoleto(bad, day("2009-10-19")); err == nil {
			t.Errorf("%q: expected an error", bad)
		}
	}
}

func TestNewBoletoErrors(t *testing.T) {
	ok := Account{Bank: "341", Agency: "0293", Account: "01328", Carteira: "109"}
	for name, c := range map[string]struct {
		acct  Account
		nn    string
		cents int64
		due   time.Time
	}{
		"unknown bank":      {Account{Bank: "999"}, "1", 100, day("2026-01-01")},
		"long nosso número": {ok, "123456789", 100, day("2026-01-01")},
		"letters":           {ok, "12a", 100, day("2026-01-01")},
		"amount too large":  {ok, "1", 100_000_000_00, day("2026-01-01")},
		"negative amount":   {ok, "1", -1, day("2026-01-01")},
		"too early":         {ok, "1", 100, day("1990-01-01")},
		"bb 6-digit conv":   {Account{Bank: "001", Convenio: "123456", Carteira: "18"}, "1", 100, day("2026-01-01")},
		"caixa carteira":    {Account{Bank: "104", BeneficiaryCode: "123456", Carteira: "3"}, "1", 100, day("2026-01-01")},
		"itau no agency":    {Account{Bank: "341", Account: "01328", Carteira: "109"}, "1", 100, day("2026-01-01")},
	} {
		if _, err := NewBoleto(c.acct, c.nn, c.cents, c.due); err == nil {
			t.Errorf("%s: expected an error", name)
		}
	}
}

func TestMod10AndMod11(t *testing.T) {
	// Field 1 of the pyboleto Itaú vector: 341910900 → 8.
	if got := mod10("341910900"); got != 8 {
		t.Errorf("mod10 = %d", got)
	}
	// The general digit maps 0, 10 and 11 to 1.
	for i := 0; i < 2000; i++ {
		s := strings.Repeat("0", 40) + string(rune('0'+i/1000%10)) + string(rune('0'+i/100%10)) + string(rune('0'+i/10%10)) + string(rune('0'+i%10))
		d := mod11General(s)
		if d < 1 || d > 9 {
			t.Fatalf("general digit %d out of 1–9", d)
		}
		if r := mod11Sum(s, 9) % 11; (r == 0 || r == 1 || r == 10) && d != 1 {
			t.Fatalf("remainder %d gave %d", r, d)
		}
	}
}
