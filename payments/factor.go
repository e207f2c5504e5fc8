package payments

import (
	"fmt"
	"time"
)

// The due-date factor counts days since 1997-10-07 (FEBRABAN). Factor 1000
// fell on 2000-07-03; after 9999 (2025-02-21) it went back to 1000 on
// 2025-02-22, and it keeps cycling every 9000 days (9999 again on 2049-10-13,
// 1000 on 2049-10-14…). Factors 1–999 were only ever used before 2000-07-03.
var (
	factorBase   = civil(1997, time.October, 7)
	factorCycle0 = civil(2000, time.July, 3) // factor 1000 of the first cycle
)

const factorCycleDays = 9000

// civil returns midnight UTC of a calendar date.
func civil(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// dateOf drops the clock and the zone of t, keeping its calendar date.
func dateOf(t time.Time) time.Time {
	return civil(t.Year(), t.Month(), t.Day())
}

// daysBetween counts calendar days from a to b (negative when b is earlier).
func daysBetween(a, b time.Time) int {
	return int(dateOf(b).Sub(dateOf(a)).Hours() / 24)
}

// DueFactor returns the FEBRABAN due-date factor of a date (1–9999), handling
// every rollover. Dates on or before 1997-10-07 have no factor.
func DueFactor(due time.Time) (int, error) {
	n := daysBetween(factorBase, due)
	if n <= 0 {
		return 0, fmt.Errorf("due date %s is before the factor base 1997-10-08", due.Format(time.DateOnly))
	}
	if n < 1000 {
		return n, nil
	}
	return 1000 + daysBetween(factorCycle0, due)%factorCycleDays, nil
}

// FactorDate turns a factor back into a date. A factor of 1000–9999 names one
// day in every 9000-day cycle (2000–2025, 2025–2049, …), so the cycle is
// chosen that puts the date nearest to ref (ties go to the later date): pass
// the date the boleto was read or issued. Factor 0 means "no due date" and
// returns ok=false. Factors 1–999 only existed in 1997–2000.
func FactorDate(factor int, ref time.Time) (due time.Time, ok bool, err error) {
	switch {
	case factor == 0:
		return time.Time{}, false, nil
	case factor < 0 || factor > 9999:
		return time.Time{}, false, fmt.Errorf("due-date factor %d out of range 0–9999", factor)
	case factor < 1000:
		return factorBase.AddDate(0, 0, factor), true, nil
	}
	first := factorCycle0.AddDate(0, 0, factor-1000)
	// k cycles after the first; pick the k whose date is nearest ref.
	off := float64(daysBetween(first, ref)) / factorCycleDays
	k := int(off)
	if off < 0 {
		k = 0
	}
	best := first.AddDate(0, 0, k*factorCycleDays)
	next := best.AddDate(0, 0, factorCycleDays)
	if d1, d2 := absInt(daysBetween(best, ref)), absInt(daysBetween(next, ref)); d2 <= d1 {
		best = next
	}
	return best, true, nil
}

func absInt(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
