package portfolio

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// A spreadsheet keeps a CPF or a phone typed as a number as that number:
// leading zeros and a leading "+" are gone. These repair such values only
// where one reading is possible, and refuse the rest.

// readCPF reads a CPF cell: its digits, or, for a cell of only 8 to 10
// digits, those digits with the leading zeros a number lost, when the
// check digits then validate (padding is the one repair, so a valid
// result is unambiguous). The message says what is wrong otherwise.
func readCPF(s string) (string, string) {
	cpf := NormalizeCPF(s)
	if ValidCPF(cpf) {
		return cpf, ""
	}
	t := strings.TrimSpace(s)
	if n := len(t); n >= 8 && n < 11 && digitsOnly(t) {
		if padded := strings.Repeat("0", 11-n) + t; ValidCPF(padded) {
			return padded, ""
		}
		return cpf, fmt.Sprintf("%q is not a valid CPF, not even with the leading zeros a spreadsheet drops from a number: format the column as text and type the CPF again", s)
	}
	return cpf, fmt.Sprintf("%q is not a valid CPF (check digits)", s)
}

// brazilAreaCodes are the 67 area codes (DDD) of Anatel's numbering plan
// (https://pt.wikipedia.org/wiki/N%C3%BAmeros_de_telefone_no_Brasil,
// "Códigos de Área", after Anatel's Plano Geral de Códigos Nacionais).
var brazilAreaCodes = func() map[string]bool {
	m := map[string]bool{}
	for _, c := range strings.Fields(`11 12 13 14 15 16 17 18 19 21 22 24 27 28 31 32 33 34 35 37 38
		41 42 43 44 45 46 47 48 49 51 53 54 55 61 62 63 64 65 66 67 68 69 71 73 74 75 77 79
		81 82 83 84 85 86 87 88 89 91 92 93 94 95 96 97 98 99`) {
		m[c] = true
	}
	return m
}()

// brazilNational says whether d (digits) is a Brazilian number without
// country code: an area code and 8 digits starting 2–5 (a landline) or
// 6–9 (a mobile written without its ninth digit), or 9 digits starting 9.
func brazilNational(d string) bool {
	if (len(d) != 10 && len(d) != 11) || !brazilAreaCodes[d[:2]] {
		return false
	}
	if len(d) == 11 {
		return d[2] == '9'
	}
	return d[2] >= '2' && d[2] <= '9'
}

// restorePhone reads a phone a spreadsheet kept as a number (digits only:
// its "+" and leading zeros are gone). It is restored when it reads as a
// Brazilian number in one way only: with an area code (10 or 11 digits,
// the trunk 0 dropped), or with 55 before it (12 or 13 digits). Anything
// else could be a number of another country whose "+" was lost, and is
// refused.
func restorePhone(digits string) (string, error) {
	switch {
	case brazilNational(digits):
		return "+55" + digits, nil
	case len(digits) >= 12 && strings.HasPrefix(digits, "55") && brazilNational(digits[2:]):
		return "+" + digits, nil
	}
	return "", fmt.Errorf("%s is a number in the sheet (its + and leading zeros are lost) and is not a Brazilian number with area code: "+
		"format the column as text and type it as +55 11 98765-0001 (or +country code for another country)", digits)
}

// excelNumber reads a cell value written as a number ("1234.5",
// "5.5119876500010002E12"); ok is false for any other text.
func excelNumber(s string) (float64, bool) {
	if s == "" || strings.ContainsAny(s, " ,") {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c == '.' || c == 'E' || c == 'e' || c == '-' || c == '+') {
			return 0, false
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, false
	}
	return f, true
}

// integerText writes an integral number as its digits (phones, CPFs,
// invoices past 1e15 lose digits in any spreadsheet, so those are left
// as they are); ok is false when f is not an integer.
func integerText(f float64) (string, bool) {
	if f != math.Trunc(f) || f < 0 || f >= 1e15 {
		return "", false
	}
	return strconv.FormatFloat(f, 'f', 0, 64), true
}

// amountText writes a number cell as an amount with two decimals; Excel's
// binary fractions (359.89999999999998) are rounded to the cent, and a
// value with more decimals than cents is refused.
func amountText(f float64) (string, bool) {
	cents := math.Round(f * 100)
	if math.Abs(f*100-cents) > 1e-6*math.Max(1, math.Abs(f)) {
		return "", false
	}
	return strconv.FormatFloat(cents/100, 'f', 2, 64), true
}
