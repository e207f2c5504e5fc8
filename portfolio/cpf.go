// Package portfolio brings debts in: CSV and JSON parsing, validation of
// every row (CPF check digits, E.164 phones, amounts, dates), idempotent
// upserts by (creditor, invoice), and the admin HTTP API.
package portfolio

import (
	"fmt"
	"strings"
)

// NormalizeCPF keeps a CPF's digits ("529.982.247-25" → "52998224725").
func NormalizeCPF(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// ValidCPF checks a CPF's 11 digits and its two check digits (modulo 11,
// weights 10…2 then 11…2); repeated digits such as 111.111.111-11 are
// refused although their digits check.
func ValidCPF(digits string) bool {
	if len(digits) != 11 {
		return false
	}
	same := true
	for i := 0; i < 11; i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return false
		}
		same = same && digits[i] == digits[0]
	}
	if same {
		return false
	}
	for _, n := range []int{9, 10} {
		if digits[n] != cpfCheckDigit(digits[:n]) {
			return false
		}
	}
	return true
}

// cpfCheckDigit is the modulo-11 digit that follows the first n digits.
func cpfCheckDigit(first string) byte {
	n, sum := len(first), 0
	for i := 0; i < n; i++ {
		sum += int(first[i]-'0') * (n + 1 - i)
	}
	d := sum * 10 % 11
	if d == 10 {
		d = 0
	}
	return byte('0' + d)
}

// CPFFor makes a valid CPF from a number (its first nine digits, then the
// check digits): synthetic debtors for benchmarks, demos and tests.
func CPFFor(n int) string {
	d := fmt.Sprintf("%09d", n%1_000_000_000)
	d += string(cpfCheckDigit(d))
	return d + string(cpfCheckDigit(d))
}
