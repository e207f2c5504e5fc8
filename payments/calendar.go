package payments

import (
	"time"

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/br"
)

// ConscienciaNegra (20 November) is a national holiday since 2024 (Lei
// 14.759/2023); rickar/cal's br package predates it.
var ConscienciaNegra = &cal.Holiday{
	Name:      "Dia Nacional de Zumbi e da Consciência Negra",
	Type:      cal.ObservancePublic,
	StartYear: 2024,
	Month:     time.November,
	Day:       20,
	Func:      cal.CalcDayOfMonth,
}

// businessDays is Monday to Friday less Brazil's national holidays. It is
// never cached (Cacheable stays false), so it is safe for concurrent reads.
var businessDays = func() *cal.BusinessCalendar {
	c := cal.NewBusinessCalendar()
	c.AddHoliday(br.Holidays...)
	c.AddHoliday(ConscienciaNegra)
	return c
}()

// IsBusinessDay reports whether d is a weekday that is not a national holiday.
func IsBusinessDay(d time.Time) bool { return businessDays.IsWorkday(dateOf(d)) }

// AddBusinessDays returns the date n business days after d (n ≥ 0; 0 gives
// d itself, or the next business day when d is not one).
func AddBusinessDays(d time.Time, n int) time.Time {
	d = dateOf(d)
	if n <= 0 {
		for !IsBusinessDay(d) {
			d = d.AddDate(0, 0, 1)
		}
		return d
	}
	return businessDays.WorkdaysFrom(d, n)
}
