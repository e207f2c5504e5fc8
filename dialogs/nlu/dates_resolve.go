package nlu

import "time"

func validDay(y, m, d int) bool {
	if m < 1 || m > 12 || d < 1 {
		return false
	}
	if y == 0 {
		y = 2000 // a leap year: 29/02 is valid without a year
	}
	return d <= daysIn(y, time.Month(m))
}

func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// civil is a calendar date with no time of day.
type civil struct {
	y int
	m time.Month
	d int
}

func (c civil) add(days int) civil {
	t := time.Date(c.y, c.m, c.d+days, 12, 0, 0, 0, time.UTC)
	return civil{t.Year(), t.Month(), t.Day()}
}

func (c civil) weekday() time.Weekday {
	return time.Date(c.y, c.m, c.d, 12, 0, 0, 0, time.UTC).Weekday()
}

// inMonth returns day d of the month that is off months after c's, clamped.
func (c civil) inMonth(off, d int) civil {
	first := time.Date(c.y, c.m+time.Month(off), 1, 12, 0, 0, 0, time.UTC)
	if n := daysIn(first.Year(), first.Month()); d > n {
		d = n
	}
	return civil{first.Year(), first.Month(), d}
}

func (c civil) before(o civil) bool {
	if c.y != o.y {
		return c.y < o.y
	}
	if c.m != o.m {
		return c.m < o.m
	}
	return c.d < o.d
}

func (c civil) String() string {
	var b [10]byte
	y := c.y
	for k := 3; k >= 0; k-- {
		b[k] = byte('0' + y%10)
		y /= 10
	}
	b[4], b[7] = '-', '-'
	b[5], b[6] = byte('0'+int(c.m)/10), byte('0'+int(c.m)%10)
	b[8], b[9] = byte('0'+c.d/10), byte('0'+c.d%10)
	return string(b[:])
}

// resolve turns a spec into a date; back looks into the past (already paid).
func (s dateSpec) resolve(today civil, back bool) civil {
	wd := int(today.weekday())
	switch s.kind {
	case dateRel:
		return today.add(s.n)
	case dateWeekday, dateLastWeekday:
		if back || s.kind == dateLastWeekday {
			delta := (wd - s.n + 7) % 7
			if delta == 0 {
				delta = 7
			}
			return today.add(-delta)
		}
		delta := (s.n - wd + 7) % 7
		if delta == 0 {
			delta = 7
		}
		return today.add(delta)
	case dateNextWeekday:
		monday := today.add(nextMondayDelta(wd))
		return monday.add((s.n + 6) % 7)
	case dateNextMonday:
		return today.add(nextMondayDelta(wd))
	case dateEndMonth:
		return today.inMonth(0, 31)
	case dateEndNextMonth:
		return today.inMonth(1, 31)
	case dateNextMonth:
		return today.inMonth(1, 1)
	case dateWeekend:
		if wd == int(time.Sunday) {
			return today
		}
		return today.add(int(time.Saturday) - wd)
	case dateDayNextMonth:
		return today.inMonth(1, s.n)
	case dateDayOfMonth:
		if back {
			if s.n <= today.d {
				return today.inMonth(0, s.n)
			}
			return today.inMonth(-1, s.n)
		}
		if s.n >= today.d {
			return today.inMonth(0, s.n)
		}
		return today.inMonth(1, s.n)
	case dateMonthDay:
		if s.y != 0 {
			return civil{s.y, time.Month(s.m), s.n}
		}
		c := civil{today.y, time.Month(s.m), s.n}
		if !validDay(c.y, s.m, s.n) { // 29/02 outside a leap year
			c.d = daysIn(c.y, c.m)
		}
		if back && today.before(c) {
			c.y--
		} else if !back && c.before(today) {
			c.y++
		}
		if c.d > daysIn(c.y, c.m) {
			c.d = daysIn(c.y, c.m)
		}
		return c
	}
	return today
}

func nextMondayDelta(wd int) int {
	delta := (int(time.Monday) - wd + 7) % 7
	if delta == 0 {
		delta = 7
	}
	return delta
}
