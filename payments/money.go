package payments

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// FormatBRL formats cents as Brazilian reais: 125050 → "R$ 1.250,50".
func FormatBRL(cents int64) string {
	sign := ""
	if cents < 0 {
		sign = "-"
		cents = -cents
	}
	whole := strconv.FormatInt(cents/100, 10)
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(r)
	}
	return fmt.Sprintf("%sR$ %s,%02d", sign, b.String(), cents%100)
}

// FormatAmount formats cents with a dot and two decimals, as the CLI, JSON
// and PIX field 54 use it: 15000 → "150.00".
func FormatAmount(cents int64) string {
	sign := ""
	if cents < 0 {
		sign = "-"
		cents = -cents
	}
	return fmt.Sprintf("%s%d.%02d", sign, cents/100, cents%100)
}

// ParseAmount reads an amount in reais written either way people write it:
// "150", "150.00", "150,5", "1.250,50", "1,250.50", "R$ 1.250,50". When both
// separators appear the last one is the decimal separator. A lone dot or
// comma followed by exactly three digits ("1.250") is rejected as ambiguous.
// Negative amounts and more than two decimals are rejected.
func ParseAmount(s string) (int64, error) {
	orig := s
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "R$")
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errors.New("empty amount")
	}
	if s[0] == '-' {
		return 0, fmt.Errorf("amount %q: negative amounts are not allowed", orig)
	}
	lastDot, lastComma := strings.LastIndexByte(s, '.'), strings.LastIndexByte(s, ',')
	dec := -1 // index of the decimal separator
	var group byte
	switch {
	case lastDot >= 0 && lastComma >= 0:
		if lastDot > lastComma {
			dec, group = lastDot, ','
		} else {
			dec, group = lastComma, '.'
		}
	case lastDot >= 0 || lastComma >= 0:
		sep := byte('.')
		if lastComma >= 0 {
			sep = ','
		}
		idx := max(lastDot, lastComma)
		switch n := strings.Count(s, string(sep)); {
		case n > 1:
			group = sep // "1.250.000": thousands only
		case len(s)-idx-1 == 3:
			return 0, fmt.Errorf("amount %q is ambiguous: write 1250.00 or 1.250,00", orig)
		default:
			dec = idx
		}
	}
	intPart, fracPart := s, ""
	if dec >= 0 {
		intPart, fracPart = s[:dec], s[dec+1:]
	}
	if group != 0 {
		groups := strings.Split(intPart, string(group))
		for i, g := range groups {
			if (i == 0 && (len(g) == 0 || len(g) > 3)) || (i > 0 && len(g) != 3) {
				return 0, fmt.Errorf("amount %q: misplaced thousands separator", orig)
			}
		}
		intPart = strings.Join(groups, "")
	}
	if intPart == "" {
		intPart = "0"
	}
	if len(fracPart) > 2 {
		return 0, fmt.Errorf("amount %q: at most two decimals", orig)
	}
	if !isDigits(intPart) || (fracPart != "" && !isDigits(fracPart)) || (dec >= 0 && fracPart == "") {
		return 0, fmt.Errorf("amount %q is not a number", orig)
	}
	for len(fracPart) < 2 {
		fracPart += "0"
	}
	if len(intPart) > 15 {
		return 0, fmt.Errorf("amount %q is too large", orig)
	}
	whole, _ := strconv.ParseInt(intPart, 10, 64)
	frac, _ := strconv.ParseInt(fracPart, 10, 64)
	return whole*100 + frac, nil
}

// isDigits reports whether s is non-empty and only ASCII digits.
func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// onlyDigits drops every character that is not an ASCII digit.
func onlyDigits(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// percentOf returns bps basis points of cents, rounded half up.
func percentOf(cents, bps int64) int64 {
	return divRound(cents*bps, 10000)
}

// divRound divides non-negative a by positive b, rounding half up.
func divRound(a, b int64) int64 {
	return (a + b/2) / b
}
