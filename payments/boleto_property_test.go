package payments

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// randomBoletos generates boletos for every bank we support, with due dates
// from 1997 to 2049 and amounts up to the barcode's maximum.
func randomBoletos(t testing.TB, n int, seed uint64) []Boleto {
	r := rand.New(rand.NewPCG(seed, 7))
	accts := []Account{
		{Bank: "001", Agency: "1234", Account: "99999", Convenio: "1234567", Carteira: "17"},
		{Bank: "341", Agency: "1234", Account: "12345", Carteira: "109"},
		{Bank: "341", Agency: "0057", Account: "72192", Carteira: "126"},
		{Bank: "237", Agency: "1172", Account: "403005", Carteira: "09"},
		{Bank: "104", BeneficiaryCode: "245274", Carteira: "1"},
		{Bank: "033", Agency: "4444", BeneficiaryCode: "1234567", Carteira: "101"},
	}
	start := day("1997-10-08")
	span := daysBetween(start, day("2049-12-31"))
	out := make([]Boleto, 0, n)
	for len(out) < n {
		a := accts[r.IntN(len(accts))]
		nn := fmt.Sprint(r.Int64N(100_000_000))
		var cents int64
		switch r.IntN(3) {
		case 0:
			cents = r.Int64N(100_000)
		case 1:
			cents = r.Int64N(maxAmount + 1)
		}
		due := start.AddDate(0, 0, r.IntN(span+1))
		b, err := NewBoleto(a, nn, cents, due)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

func TestGeneratedLinhaRoundTrips(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, b := range randomBoletos(t, 3000, 42) {
		ref := b.DueDate.AddDate(0, 0, r.IntN(8000)-4000)
		for _, in := range []string{b.Linha, b.Barcode} {
			p, err := ParseBoleto(in, ref)
			if err != nil {
				t.Fatalf("%s: %v", in, err)
			}
			if p.Barcode != b.Barcode || p.Linha != b.Linha || p.AmountCents != b.AmountCents || !p.DueDate.Equal(b.DueDate) || p.CampoLivre != b.CampoLivre {
				t.Fatalf("%s parsed as %+v, generated %+v", in, p, b)
			}
			if p.Fields == nil {
				t.Fatalf("%s: our own campo livre did not decode: %s", in, p.Warning)
			}
		}
		if l, err := BarcodeToLinha(b.Barcode); err != nil || l != b.Linha {
			t.Fatalf("BarcodeToLinha(%s) = %s, %v", b.Barcode, l, err)
		}
		if bc, err := LinhaToBarcode(b.Linha); err != nil || bc != b.Barcode {
			t.Fatalf("LinhaToBarcode(%s) = %s, %v", b.Linha, bc, err)
		}
	}
}

// What the check digits guarantee, and what this test therefore demands, for
// a linha digitável (47 digits, 0-based index i):
//
//   - fields 1–3 (i 0–31, each with its modulo 10 digit) and field 4 (the
//     general digit, i 32): every single-digit change is caught;
//   - field 5 (factor and amount, i 33–46) is protected only by the general
//     modulo 11 digit, which folds remainders 0, 1 and 10 into the digit 1:
//     every single-digit change is caught when the general digit is not 1;
//   - adjacent swaps of two differing digits inside a field 1–3 (its check
//     digit included) are caught except 0↔9 (the modulo 10 blind spot), and
//     swaps across the boundary of fields 1|2, 2|3 and 3|4 are always caught;
//     inside field 5 they are caught when the general digit is not 1;
//   - not guaranteed: 0↔9 swaps inside fields 1–3, the 4|5 boundary swap, and
//     changes in field 5 when the general digit is 1. The test counts how many
//     of those the digits catch anyway and logs it.
//
// For a 44-digit barcode only the general digit checks: every single-digit
// change is caught when the general digit is not 1.
func TestCheckDigitsCatchErrors(t *testing.T) {
	var notGuaranteed, notGuaranteedCaught int
	ref := day("2026-01-01")
	caught := func(s string) bool { _, err := ParseBoleto(s, ref); return err != nil }
	for _, b := range randomBoletos(t, 400, 99) {
		l := onlyDigits(b.Linha)
		dvIsOne := l[32] == '1'
		for i := 0; i < linhaLen; i++ {
			for d := byte('0'); d <= '9'; d++ {
				if d == l[i] {
					continue
				}
				m := []byte(l)
				m[i] = d
				guaranteed := i <= 32 || !dvIsOne
				if c := caught(string(m)); guaranteed && !c {
					t.Fatalf("%s: changing digit %d to %c was not caught", b.Linha, i, d)
				} else if !guaranteed {
					notGuaranteed++
					if c {
						notGuaranteedCaught++
					}
				}
			}
		}
		for i := 0; i+1 < linhaLen; i++ {
			if l[i] == l[i+1] {
				continue
			}
			m := []byte(l)
			m[i], m[i+1] = m[i+1], m[i]
			zeroNine := (l[i] == '0' && l[i+1] == '9') || (l[i] == '9' && l[i+1] == '0')
			var guaranteed bool
			switch {
			case i == 9 || i == 20 || i == 31: // boundaries 1|2, 2|3, 3|4
				guaranteed = true
			case i < 31: // inside field 1, 2 or 3
				guaranteed = !zeroNine
			case i == 32: // boundary 4|5
				guaranteed = false
			default: // inside field 5
				guaranteed = !dvIsOne
			}
			if c := caught(string(m)); guaranteed && !c {
				t.Fatalf("%s: swapping digits %d and %d was not caught", b.Linha, i, i+1)
			} else if !guaranteed {
				notGuaranteed++
				if c {
					notGuaranteedCaught++
				}
			}
		}
		for i := 0; i < barcodeLen; i++ {
			m := []byte(b.Barcode)
			m[i] = '0' + (m[i]-'0'+1)%10
			if !caught(string(m)) && b.Barcode[4] != '1' {
				t.Fatalf("%s: changing barcode digit %d was not caught", b.Barcode, i)
			}
		}
	}
	t.Logf("errors outside the guarantees: %d, of which the digits caught %d (%.1f%%)",
		notGuaranteed, notGuaranteedCaught, 100*float64(notGuaranteedCaught)/float64(max(notGuaranteed, 1)))
}

func FuzzParseLinha(f *testing.F) {
	for _, v := range boletoVectors {
		f.Add(v.linha)
		f.Add(v.barcode)
	}
	f.Add("")
	f.Add("8" + "0000000000000000000000000000000000000000000000")
	f.Add("00190.00009 07777.777009 00087.654182 6 00000000000000")
	ref := day("2026-06-01")
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParseBoleto(s, ref)
		if err != nil {
			return
		}
		if len(p.Barcode) != barcodeLen || len(onlyDigits(p.Linha)) != linhaLen {
			t.Fatalf("%q: malformed result %+v", s, p)
		}
		again, err := ParseBoleto(p.Linha, ref)
		if err != nil || again.Barcode != p.Barcode || again.AmountCents != p.AmountCents || !again.DueDate.Equal(p.DueDate) {
			t.Fatalf("%q: result does not parse back: %+v, %v", s, again, err)
		}
		if p.Factor != 0 {
			if f, err := DueFactor(p.DueDate); err != nil || f != p.Factor {
				t.Fatalf("%q: due date %s does not give factor %d back", s, p.DueDate.Format(time.DateOnly), p.Factor)
			}
		}
	})
}

func BenchmarkNewBoleto(b *testing.B) {
	acct := Account{Bank: "341", Agency: "1234", Account: "12345", Carteira: "109"}
	due := day("2026-12-10")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NewBoleto(acct, "12345678", 15000, due); err != nil {
			b.Fatal(err)
		}
	}
}
