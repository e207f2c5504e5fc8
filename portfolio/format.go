package portfolio

import (
	"strconv"
	"strings"
	"time"

	"github.com/quita-bot/quita/payments"
)

// The values of a row as a Brazilian spreadsheet shows them, written so
// that a spreadsheet keeps them as text where a number would lose digits
// (a CPF with its dots, a phone with spaces), and read back by Validate
// to the same stored value.

// formatCPF writes 11 digits as 529.982.247-25.
func formatCPF(d string) string {
	if len(d) != 11 {
		return d
	}
	return d[:3] + "." + d[3:6] + "." + d[6:9] + "-" + d[9:]
}

// formatPhone writes an E.164 number with spaces: +55 11 98765-0001,
// +55 11 3456-7890; another country's in groups of four from the end
// (+141 5555 2671), which reads back the same.
func formatPhone(e164 string) string {
	d, ok := strings.CutPrefix(e164, "+")
	if !ok || !digitsOnly(d) {
		return e164
	}
	if strings.HasPrefix(d, "55") && (len(d) == 12 || len(d) == 13) {
		local := d[4:]
		return "+55 " + d[2:4] + " " + local[:len(local)-4] + "-" + local[len(local)-4:]
	}
	var groups []string
	for len(d) > 4 {
		groups = append([]string{d[len(d)-4:]}, groups...)
		d = d[:len(d)-4]
	}
	return "+" + strings.Join(append([]string{d}, groups...), " ")
}

// formatAmount writes cents as 1.234,56.
func formatAmount(cents int64) string {
	return strings.TrimPrefix(payments.FormatBRL(cents), "R$ ")
}

// formatDate writes YYYY-MM-DD as 30/11/2026.
func formatDate(iso string) string {
	t, err := time.Parse(time.DateOnly, iso)
	if err != nil {
		return iso
	}
	return t.Format("02/01/2006")
}

// formatVIP writes the VIP flag as sim or não.
func formatVIP(vip bool) string {
	if vip {
		return "sim"
	}
	return "não"
}

// formatCount writes a count, empty for none.
func formatCount(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}
