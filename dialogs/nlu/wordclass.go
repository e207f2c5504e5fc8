package nlu

// Word classes of a language, one bit each in compiledLang.bits.
const (
	wStop uint32 = 1 << iota
	wKnown
	wNeg
	wFiller
	wDayMark
	wOrd
	wInPrefix
	wNum
	wMonth
	wUnit
	wOptOut
	wThousand
	wInstUnit
	wSplitVerb
	wSplitPrep
	wMonthUnit
	wCurrency
	wPer
	wMonthWord
	wMonthly
	wAmountPre
	wEntry
	wTimePre
	wNotDay
	wOptionWord
	wOrdinal
)

// finalize turns the word sets into dense per-id tables, once the
// vocabulary is complete: a message then costs slice reads, not map look-ups.
func (c *compiledLang) finalize() {
	n := len(voc.words)
	c.bits = make([]uint32, n)
	c.abbrevD = make([][]int32, n)
	for id, exp := range c.abbrev {
		c.abbrevD[id] = exp
	}
	mark := func(m map[int32]bool, b uint32) {
		for id, ok := range m {
			if ok {
				c.bits[id] |= b
			}
		}
	}
	mark(c.stop, wStop)
	mark(c.known, wKnown)
	mark(c.negators, wNeg)
	mark(c.fillers, wFiller)
	mark(c.inPrefix, wInPrefix)
	mark(optOutKeywords, wOptOut)
	for id, k := range c.markers {
		c.bits[id] |= map[dayMarker]uint32{markDay: wDayMark, markOrd: wOrd}[k]
	}
	for id, v := range c.nums {
		c.bits[id] |= wNum
		if v == 1000 {
			c.bits[id] |= wThousand
		}
	}
	for id := range c.months {
		c.bits[id] |= wMonth
	}
	for id := range c.units {
		c.bits[id] |= wUnit
	}
	for id := range c.numw.ordinals {
		c.bits[id] |= wOrdinal
	}
	w := &c.numw
	for _, s := range []struct {
		m map[int32]bool
		b uint32
	}{{w.instUnit, wInstUnit}, {w.splitVerb, wSplitVerb}, {w.splitPrep, wSplitPrep}, {w.monthUnit, wMonthUnit},
		{w.currency, wCurrency}, {w.per, wPer}, {w.month, wMonthWord}, {w.monthly, wMonthly}, {w.amountPre, wAmountPre},
		{w.entry, wEntry}, {w.timePre, wTimePre}, {w.notDay, wNotDay}, {w.optionWord, wOptionWord}} {
		mark(s.m, s.b)
	}
}

// is reports whether word id is in any of the classes b.
func (c *compiledLang) is(id int32, b uint32) bool {
	return id > 0 && int(id) < len(c.bits) && c.bits[id]&b != 0
}

func (c *compiledLang) expansion(id int32) []int32 {
	if id > 0 && int(id) < len(c.abbrevD) {
		return c.abbrevD[id]
	}
	return nil
}

func (c *compiledLang) num(id int32) (int, bool) {
	if !c.is(id, wNum) {
		return 0, false
	}
	return c.nums[id], true
}

func (c *compiledLang) month(id int32) (int, bool) {
	if !c.is(id, wMonth) {
		return 0, false
	}
	return c.months[id], true
}

func (c *compiledLang) unit(id int32) (int, bool) {
	if !c.is(id, wUnit) {
		return 0, false
	}
	return c.units[id], true
}

func (c *compiledLang) ordinal(id int32) (int, bool) {
	if !c.is(id, wOrdinal) {
		return 0, false
	}
	return c.numw.ordinals[id], true
}
