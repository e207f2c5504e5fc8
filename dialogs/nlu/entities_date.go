package nlu

// Dates are parsed into a dateSpec first and resolved against the
// conversation's today only once the intent is known, because "paguei dia 20"
// (already paid) looks back while "pago dia 20" looks ahead.
//
// Resolution choices (documented in README.md of this package):
//   - "dia 10" / "el 10" / "on the 10th": the next 10th; the same day as today
//     is today ("dia 26" on the 26th is today); a day the month lacks is
//     clamped to its last day ("dia 31" in November is the 30th).
//   - a weekday ("sexta"): its next occurrence, never today (said on a
//     Thursday, "quinta" is a week away); "sexta que vem", "próxima sexta",
//     "next friday": that weekday in next calendar week (Monday-based).
//   - "semana que vem" / "next week": next Monday. "mês que vem" / "next
//     month": the 1st of next month. "fim do mês": the last day of this month.
//   - "05/12" is day/month in pt and es, month/day in en (US usage, as the US
//     preset); when the first reading is impossible the other is tried. No
//     year: the next such date (or the last, when looking back).

type dateKind uint8

const (
	dateNone         dateKind = iota // a blocker: "segunda via" is no Monday
	dateRel                          // n days from today
	dateWeekday                      // next weekday n (0 = Sunday)
	dateNextWeekday                  // weekday n of next week
	dateLastWeekday                  // last weekday n
	dateNextMonday                   // "semana que vem"
	dateEndMonth                     // last day of this month
	dateEndNextMonth                 // last day of next month
	dateNextMonth                    // 1st of next month
	dateWeekend                      // next Saturday (today on a weekend)
	dateDayOfMonth                   // next day n
	dateDayNextMonth                 // day n of next month
	dateMonthDay                     // day n of month m (year y, 0 = nearest)
)

type dateSpec struct {
	kind dateKind
	n    int
	m, y int
	pos  int
}

// parseDates finds date expressions, marking their tokens used.
func (a *analysis) parseDates() {
	c, toks := a.c, a.toks
	for i := 0; i < len(toks); {
		if mt, ok := c.dates.longest(toks, i); ok {
			if k := mt.rule.date; k != dateNone {
				a.addDate(dateSpec{kind: k, n: mt.rule.dateN, pos: i}, i, mt.end)
			}
			i = mt.end
			continue
		}
		if end, ok := a.numericDate(i); ok {
			i = end
			continue
		}
		i++
	}
}

func (a *analysis) addDate(s dateSpec, start, end int) {
	for k := start; k < end; k++ {
		a.used[k] = true
	}
	if a.nDates < len(a.dates) {
		a.dates[a.nDates] = s
		a.nDates++
	}
}

// dayNumber reads a day of month (1–31) at i: digits or a number word, with
// a glued ordinal suffix ("10th", "1º") skipped. It returns the index after.
func (a *analysis) dayNumber(i int) (day, next int, ordinal, ok bool) {
	if i >= len(a.toks) {
		return 0, 0, false, false
	}
	t := a.toks[i]
	switch {
	case t.kind == spanNum:
		v, isInt := a.intAt(i)
		if !isInt || v < 1 || v > 31 {
			return 0, 0, false, false
		}
		day, next = v, i+1
		if next < len(a.toks) && a.spanOf(next).glued && a.c.is(a.toks[next].id, wOrd) {
			next++
			ordinal = true
		}
		return day, next, ordinal, true
	case t.kind == spanWord:
		if v, isNum := a.c.num(t.id); isNum && v >= 1 && v <= 31 {
			return v, i + 1, false, true
		}
	}
	return 0, 0, false, false
}

// monthAfter reads "[de|of] MONTH" at i.
func (a *analysis) monthAfter(i int) (month, next int) {
	if i < len(a.toks) && (a.toks[i].id == idDe || a.toks[i].id == idOf) {
		if i+1 < len(a.toks) {
			if m, ok := a.c.month(a.toks[i+1].id); ok {
				return m, i + 2
			}
		}
		return 0, i
	}
	if i < len(a.toks) {
		if m, ok := a.c.month(a.toks[i].id); ok {
			return m, i + 1
		}
	}
	return 0, i
}

// nextMonthAfter reads "do mês que vem" / "of next month" at i.
func (a *analysis) nextMonthAfter(i int) int {
	j := i
	if j < len(a.toks) && (a.toks[j].id == idDe || a.toks[j].id == idOf || a.toks[j].id == idDo || a.toks[j].id == idDel) {
		j++
	}
	if j < len(a.toks) {
		if mt, ok := a.c.dates.longest(a.toks, j); ok && mt.rule.date == dateNextMonth {
			return mt.end
		}
	}
	return i
}

// numericDate tries the patterns built on numbers at i.
func (a *analysis) numericDate(i int) (int, bool) {
	c, toks := a.c, a.toks
	start := i
	t := toks[i]
	// "05/12", "dia 05/12/2026"
	if t.kind == spanNum && a.hasSlash(i) {
		if s, ok := a.slashDate(i); ok {
			if i > 0 && c.is(toks[i-1].id, wDayMark) && !a.used[i-1] {
				start = i - 1
			}
			a.addDate(s, start, i+1)
			return i + 1, true
		}
		return i + 1, false
	}
	// "dia 10", "el 10", "on the 10th", "dia dez", "el día 5 de diciembre"
	if c.is(t.id, wDayMark) {
		j := i
		for j < len(toks) && c.is(toks[j].id, wDayMark) {
			j++
		}
		day, next, ordinal, ok := a.dayNumber(j)
		if !ok || a.unitAfter(next) {
			return i, false
		}
		if month, after := a.monthAfter(next); month != 0 {
			a.addDate(dateSpec{kind: dateMonthDay, n: day, m: month, pos: i}, i, after)
			return after, true
		}
		if c.mdy && !ordinal && toks[i].id != idOn { // en: "the 3" is rarely a date
			return i, false
		}
		if after := a.nextMonthAfter(next); after > next {
			a.addDate(dateSpec{kind: dateDayNextMonth, n: day, pos: i}, i, after)
			return after, true
		}
		a.addDate(dateSpec{kind: dateDayOfMonth, n: day, pos: i}, i, next)
		return next, true
	}
	// "5 de dezembro", "5th december", "10th"
	if t.kind == spanNum {
		day, next, ordinal, ok := a.dayNumber(i)
		if !ok {
			return i, false
		}
		if month, after := a.monthAfter(next); month != 0 {
			a.addDate(dateSpec{kind: dateMonthDay, n: day, m: month, pos: i}, i, after)
			return after, true
		}
		if ordinal && c.mdy && !a.unitAfter(next) {
			a.addDate(dateSpec{kind: dateDayOfMonth, n: day, pos: i}, i, next)
			return next, true
		}
		return i, false
	}
	// "december 5", "dec 5th"
	if m, ok := c.month(t.id); ok && t.kind == spanWord {
		if day, next, _, ok := a.dayNumber(i + 1); ok && toks[i+1].kind == spanNum && !a.unitAfter(next) {
			a.addDate(dateSpec{kind: dateMonthDay, n: day, m: m, pos: i}, i, next)
			return next, true
		}
	}
	// "daqui a 3 dias", "em 2 semanas", "in 3 days"
	if c.is(t.id, wInPrefix) {
		j := i + 1
		if j < len(toks) && toks[j].id == idA { // daqui a
			j++
		}
		n, next, ok := a.countAt(j)
		if ok && next < len(toks) {
			if unit, isUnit := c.unit(toks[next].id); isUnit {
				a.addDate(dateSpec{kind: dateRel, n: n * unit, pos: i}, i, next+1)
				return next + 1, true
			}
		}
	}
	return i, false
}

// countAt reads a small count: digits or a number word.
func (a *analysis) countAt(i int) (n, next int, ok bool) {
	if i >= len(a.toks) {
		return 0, 0, false
	}
	if a.toks[i].kind == spanNum {
		v, isInt := a.intAt(i)
		return v, i + 1, isInt && v > 0 && v < 400
	}
	if v, isNum := a.c.num(a.toks[i].id); isNum && v < 400 {
		return v, i + 1, true
	}
	return 0, 0, false
}

func (a *analysis) hasSlash(i int) bool {
	for _, ch := range a.text(i) {
		if ch == '/' {
			return true
		}
	}
	return false
}

// slashDate parses dd/mm[/yy[yy]] (mm/dd in en).
func (a *analysis) slashDate(i int) (dateSpec, bool) {
	var parts [3]int
	n, digits := 0, 0
	for _, ch := range []byte(a.text(i)) {
		switch {
		case ch >= '0' && ch <= '9':
			if digits == 4 {
				return dateSpec{}, false
			}
			parts[n] = parts[n]*10 + int(ch-'0')
			digits++
		case ch == '/' && n < 2 && digits > 0:
			n++
			digits = 0
		default:
			return dateSpec{}, false
		}
	}
	if n == 0 || digits == 0 {
		return dateSpec{}, false
	}
	d, m, y := parts[0], parts[1], 0
	if a.c.mdy {
		d, m = m, d
	}
	if n == 2 {
		y = parts[2]
		if y < 100 {
			y += 2000
		}
		if y < 2000 || y > 2100 {
			return dateSpec{}, false
		}
	}
	if !validDay(y, m, d) {
		d, m = m, d // the other reading
		if !validDay(y, m, d) {
			return dateSpec{}, false
		}
	}
	return dateSpec{kind: dateMonthDay, n: d, m: m, y: y, pos: i}, true
}
