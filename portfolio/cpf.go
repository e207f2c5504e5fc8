// Package portfolio brings debts in: CSV and JSON parsing, validation of
// every row (CPF check digits, E.164 phones, amounts, dates), idempotent
// upserts by (creditor, invoice), and the admin HTTP API.
package portfolio

import "strings"

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
		sum := 0
		for i := 0; i < n; i++ {
			sum += int(digits[i]-'0') * (n + 1 - i)
		}
		d := sum * 10 % 11
		if d == 10 {
			d = 0
		}
		if int(digits[n]-'0') != d {
			return false
		}
	}
	return true
}
