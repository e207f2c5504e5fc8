package channels

import (
	"fmt"
	"strings"
)

// NormalizePhone turns a phone number as people and providers write it into
// E.164 (+CC…). Brazilian numbers get +55 when no country code is given, and
// a Brazilian mobile number written without the ninth digit (8 digits starting
// 6–9 after the area code) gets it back, so both forms map to one debtor.
// Provider prefixes such as "whatsapp:" are removed.
func NormalizePhone(raw string) (string, error) {
	s := strings.TrimSpace(raw)
	if i := strings.LastIndex(s, ":"); i >= 0 {
		s = s[i+1:]
	}
	if j := strings.Index(s, "@"); j >= 0 { // WhatsApp JID user part
		s = s[:j]
	}
	plus := strings.HasPrefix(s, "+")
	var digits strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits.WriteRune(r)
		case r == '+' || r == ' ' || r == '-' || r == '(' || r == ')' || r == '.':
		default:
			return "", fmt.Errorf("phone %q: unexpected character %q; write it as +5511987650001", raw, r)
		}
	}
	d := digits.String()
	if !plus {
		d = strings.TrimLeft(d, "0") // trunk prefix 0 and carrier codes like 0xx
		if len(d) == 10 || len(d) == 11 {
			d = "55" + d // a Brazilian number without country code
		}
	}
	if strings.HasPrefix(d, "55") && len(d) == 12 {
		area, local := d[2:4], d[4:]
		if local[0] >= '6' && local[0] <= '9' { // mobile written without the ninth digit
			d = "55" + area + "9" + local
		}
	}
	if len(d) < 8 || len(d) > 15 {
		return "", fmt.Errorf("phone %q: %d digits is not a valid E.164 number; write it as +5511987650001", raw, len(d))
	}
	if strings.HasPrefix(d, "55") && len(d) != 12 && len(d) != 13 {
		return "", fmt.Errorf("phone %q: a Brazilian number has a 2-digit area code and 8 or 9 digits", raw)
	}
	return "+" + d, nil
}

// MaskPhone hides the middle of a phone number for logs: +55119****0001.
func MaskPhone(e164 string) string {
	if len(e164) < 8 {
		return "****"
	}
	return e164[:len(e164)-8] + "****" + e164[len(e164)-4:]
}
