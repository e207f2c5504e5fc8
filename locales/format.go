package locales

import (
	"strconv"
	"time"
)

// Money writes an amount in reais as the language reads it: "R$ 1.234,56"
// in Portuguese and Spanish, "R$1,234.56" in English.
func Money(lang string, cents int64) string {
	neg := cents < 0
	if neg {
		cents = -cents
	}
	thousands, decimal, prefix := ".", ",", "R$ "
	if Normalize(lang) == "en" {
		thousands, decimal, prefix = ",", ".", "R$"
	}
	units := strconv.FormatInt(cents/100, 10)
	var grouped []byte
	for i := range len(units) {
		if i > 0 && (len(units)-i)%3 == 0 {
			grouped = append(grouped, thousands...)
		}
		grouped = append(grouped, units[i])
	}
	frac := cents % 100
	s := prefix + string(grouped) + decimal + string(rune('0'+frac/10)) + string(rune('0'+frac%10))
	if neg {
		s = "-" + s
	}
	return s
}

// Date writes a day without the year, as the language reads it: "27/11"
// in Portuguese and Spanish, "Nov 27" in English.
func Date(lang string, day time.Time) string {
	if Normalize(lang) == "en" {
		return day.Format("Jan 2")
	}
	return day.Format("02/01")
}
