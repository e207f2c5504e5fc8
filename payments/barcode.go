package payments

import (
	"fmt"
	"strings"
)

// Layout of the 44-digit barcode (0-based offsets): bank 0–2, currency 3,
// general check digit 4, due-date factor 5–8, amount 9–18, campo livre 19–43.
const (
	barcodeLen   = 44
	linhaLen     = 47
	campoLivreLn = 25
	currencyReal = '9'
	maxAmount    = 99_999_999_99 // ten digits of cents
)

// buildBarcode assembles the 44 digits and computes the general check digit.
func buildBarcode(bank string, factor int, amountCents int64, campoLivre string) (string, error) {
	if len(bank) != 3 || !isDigits(bank) {
		return "", fmt.Errorf("bank code %q must be 3 digits", bank)
	}
	if amountCents < 0 || amountCents > maxAmount {
		return "", fmt.Errorf("amount %s does not fit the barcode's ten digits", FormatBRL(amountCents))
	}
	if len(campoLivre) != campoLivreLn || !isDigits(campoLivre) {
		return "", fmt.Errorf("campo livre %q must be 25 digits", campoLivre)
	}
	body := fmt.Sprintf("%s%c%04d%010d%s", bank, currencyReal, factor, amountCents, campoLivre)
	dv := mod11General(body)
	return body[:4] + string(rune('0'+dv)) + body[4:], nil
}

// linhaDigits turns a barcode into the 47 digits of its linha digitável:
// three fields with their modulo 10 digits, the general digit, then factor
// and amount.
func linhaDigits(bc string) string {
	f1 := bc[0:4] + bc[19:24]
	f2 := bc[24:34]
	f3 := bc[34:44]
	var b strings.Builder
	b.Grow(linhaLen)
	for _, f := range []string{f1, f2, f3} {
		b.WriteString(f)
		b.WriteByte(byte('0' + mod10(f)))
	}
	b.WriteByte(bc[4])
	b.WriteString(bc[5:19])
	return b.String()
}

// FormatLinha lays out 47 digits as printed:
// AAAAA.AAAAA BBBBB.BBBBBB CCCCC.CCCCCC D EEEEEEEEEEEEEE.
func FormatLinha(d string) string {
	if len(d) != linhaLen {
		return d
	}
	return d[0:5] + "." + d[5:10] + " " + d[10:15] + "." + d[15:21] + " " +
		d[21:26] + "." + d[26:32] + " " + d[32:33] + " " + d[33:47]
}

// barcodeFromLinha rebuilds the barcode from 47 linha digits, without checks.
func barcodeFromLinha(l string) string {
	return l[0:4] + l[32:33] + l[33:47] + l[4:9] + l[10:20] + l[21:31]
}

// LinhaToBarcode converts a linha digitável (formatted or not) into the
// 44-digit barcode, after checking every check digit.
func LinhaToBarcode(linha string) (string, error) {
	d := onlyDigits(linha)
	if len(d) != linhaLen {
		return "", fmt.Errorf("linha digitável must have 47 digits, got %d", len(d))
	}
	if err := checkLinha(d); err != nil {
		return "", err
	}
	return barcodeFromLinha(d), nil
}

// BarcodeToLinha converts a valid 44-digit barcode into its formatted linha
// digitável.
func BarcodeToLinha(barcode string) (string, error) {
	d := onlyDigits(barcode)
	if len(d) != barcodeLen {
		return "", fmt.Errorf("barcode must have 44 digits, got %d", len(d))
	}
	if err := checkBarcode(d); err != nil {
		return "", err
	}
	return FormatLinha(linhaDigits(d)), nil
}

// CheckDigitError names the check digit that failed.
type CheckDigitError struct {
	Digit string // "field 1", "field 2", "field 3" (modulo 10) or "general" (modulo 11)
	Got   int
	Want  int
}

func (e *CheckDigitError) Error() string {
	method := "modulo 10"
	if e.Digit == "general" {
		method = "modulo 11"
	}
	return fmt.Sprintf("%s check digit (%s) is %d, expected %d", e.Digit, method, e.Got, e.Want)
}

// checkLinha verifies the three modulo 10 digits of 47 linha digits, then the
// general digit of the barcode they encode.
func checkLinha(d string) error {
	fields := []struct {
		name      string
		start, dv int
	}{{"field 1", 0, 9}, {"field 2", 10, 20}, {"field 3", 21, 31}}
	for _, f := range fields {
		got, want := int(d[f.dv]-'0'), mod10(d[f.start:f.dv])
		if got != want {
			return &CheckDigitError{Digit: f.name, Got: got, Want: want}
		}
	}
	return checkBarcode(barcodeFromLinha(d))
}

// checkBarcode verifies the currency and general check digit of 44 digits.
func checkBarcode(bc string) error {
	if bc[3] != currencyReal {
		return fmt.Errorf("currency code is %c: only 9 (real) is supported", bc[3])
	}
	got, want := int(bc[4]-'0'), mod11General(bc[:4]+bc[5:])
	if got != want {
		return &CheckDigitError{Digit: "general", Got: got, Want: want}
	}
	return nil
}
