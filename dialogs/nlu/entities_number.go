package nlu

// Installments, amounts and menu options, read from number tokens after the
// dates have taken theirs. Amounts are kept in cents, parsed from the digits
// (never through a float): "1.250,50" → 125050. Both "1.250,50" and
// "1,250.50" are read; a separator followed by exactly three digits groups
// thousands, one followed by one or two digits at the end is the decimal mark.

// numberWords are the per-language word sets the number parsers use.
type numberWords struct {
	instUnit   string // "vezes parcelas x": N of them is an installment count
	splitVerb  string // "dividir parcelar": … em N
	splitPrep  string // "em en in into"
	monthUnit  string // "meses": "em 12 meses"
	currency   string // after the number: "reais"
	per        string // "por ao": … mês
	month      string // "mes"
	monthly    string // "mensais"
	amountPre  string // words a bare amount follows: "pagar", "consigo", "entrada"
	entry      string // "entrada": "300 de entrada"
	timePre    string // "às 10" is a time
	notDay     string // a number followed by these is no day of month
	optionWord string // "opção 2"
	ordinals   map[string]int
}

type compiledNumbers struct {
	instUnit, splitVerb, splitPrep, monthUnit, currency, per, month, monthly,
	amountPre, entry, timePre, notDay, optionWord map[int32]bool
	ordinals map[int32]int
}

func (c *compiledLang) compileNumbers(n *numberWords) {
	c.numw = compiledNumbers{
		instUnit: c.setRaw(n.instUnit), splitVerb: c.set(n.splitVerb), splitPrep: c.set(n.splitPrep),
		monthUnit: c.set(n.monthUnit), currency: c.set(n.currency), per: c.set(n.per), month: c.set(n.month),
		monthly: c.set(n.monthly), amountPre: c.set(n.amountPre), entry: c.set(n.entry), timePre: c.set(n.timePre),
		notDay: c.set(n.notDay), optionWord: c.set(n.optionWord), ordinals: c.wordMap(n.ordinals),
	}
}

// text returns the canonical text of token i.
func (a *analysis) text(i int) string {
	sp := a.spans[a.toks[i].sp]
	return unsafeString(a.buf[sp.a:sp.b])
}

func (a *analysis) spanOf(i int) span { return a.spans[a.toks[i].sp] }

// intAt reads token i as a plain integer of at most 9 digits.
func (a *analysis) intAt(i int) (int, bool) {
	if a.toks[i].kind != spanNum {
		return 0, false
	}
	s := a.text(i)
	if len(s) == 0 || len(s) > 9 {
		return 0, false
	}
	v := 0
	for k := 0; k < len(s); k++ {
		if s[k] < '0' || s[k] > '9' {
			return 0, false
		}
		v = v*10 + int(s[k]-'0')
	}
	return v, true
}

// unitAfter reports a word at i that makes the number before it something
// other than a day: "10x", "10 reais", "10h".
func (a *analysis) unitAfter(i int) bool {
	if i >= len(a.toks) {
		return false
	}
	id := a.toks[i].id
	return a.c.is(id, wNotDay|wInstUnit|wCurrency) || id == idPercent
}

// valueAt reads a count at i: digits or a number word; "2 mil" → 2000.
func (a *analysis) valueAt(i int) (cents int64, next int, ok bool) {
	t := a.toks[i]
	switch {
	case t.kind == spanNum:
		cents, ok = parseMoney(a.text(i))
		next = i + 1
	case t.kind == spanWord:
		v, isNum := a.c.num(t.id)
		if !isNum {
			return 0, 0, false
		}
		cents, next, ok = int64(v)*100, i+1, true
	}
	if ok && next < len(a.toks) && a.c.is(a.toks[next].id, wThousand) && t.kind == spanNum {
		cents *= 1000
		next++
	}
	return cents, next, ok
}

// parseNumbers fills installments, amount and option.
func (a *analysis) parseNumbers() {
	c, toks := a.c, a.toks
	content := 0
	for i := range toks {
		if !a.used[i] && !a.c.is(toks[i].id, wFiller) {
			content++
		}
	}
	for i := 0; i < len(toks); i++ {
		if a.used[i] {
			continue
		}
		t := toks[i]
		// option: "opção 2", "segunda opção"
		if c.is(t.id, wOptionWord) && i+1 < len(toks) {
			if v, ok := a.smallAt(i + 1); ok && v <= 20 {
				a.option = v
				a.used[i], a.used[i+1] = true, true
				i++
				continue
			}
		}
		if o, ok := c.ordinal(t.id); ok && i+1 < len(toks) && c.is(toks[i+1].id, wOptionWord) {
			a.option = o
			a.used[i], a.used[i+1] = true, true
			i++
			continue
		}
		// installments: "dividir em 3", "parcelar em 12"
		if c.is(t.id, wSplitVerb) {
			j := i + 1
			if j < len(toks) && c.is(toks[j].id, wSplitPrep) {
				j++
			}
			if v, ok := a.smallAt(j); ok && v >= 2 && v <= 99 && !a.unitAfterMoney(j+1) {
				a.inst = v
				a.used[j] = true
				continue
			}
		}
		if t.kind != spanNum && !c.is(t.id, wNum) {
			continue
		}
		if i > 0 && c.is(toks[i-1].id, wTimePre) {
			continue
		}
		// "6x", "seis vezes", "10 parcelas", "em 12 meses"
		if i+1 < len(toks) && c.is(toks[i+1].id, wInstUnit) {
			if v, ok := a.smallAt(i); ok && v >= 2 && v <= 99 {
				a.inst = v
				a.used[i], a.used[i+1] = true, true
				// "4x de 250", "10 parcelas de 100"
				if j := i + 2; j+1 < len(toks) && toks[j].id == idDe && !a.used[j+1] {
					if cents, _, ok := a.valueAt(j + 1); ok && cents > 0 {
						a.setAmount(cents, j+1)
					}
				}
				i++
				continue
			}
		}
		if i > 0 && c.is(toks[i-1].id, wSplitPrep) && i+1 < len(toks) && c.is(toks[i+1].id, wMonthUnit) {
			if v, ok := a.smallAt(i); ok && v >= 2 && v <= 99 {
				a.inst = v
				a.used[i], a.used[i+1] = true, true
				i++
				continue
			}
		}
		cents, next, ok := a.valueAt(i)
		if !ok || cents <= 0 {
			continue
		}
		money := a.moneyCue(i, next)
		if money || a.moneyFormat(i) {
			a.setAmount(cents, i)
			continue
		}
		// a bare number: a menu option when small, an amount otherwise
		if content == 1 && t.kind == spanNum && next == i+1 {
			if v, isInt := a.intAt(i); isInt && v >= 1 && v <= 20 {
				a.option = v
			} else {
				a.setAmount(cents, i)
			}
		}
	}
}

func (a *analysis) setAmount(cents int64, i int) {
	if a.cents == 0 {
		a.cents = cents
	}
	a.used[i] = true
}

// smallAt reads a plain integer or number word at i.
func (a *analysis) smallAt(i int) (int, bool) {
	if i >= len(a.toks) {
		return 0, false
	}
	if a.toks[i].kind == spanNum {
		return a.intAt(i)
	}
	return a.c.num(a.toks[i].id)
}

func (a *analysis) unitAfterMoney(i int) bool {
	return i < len(a.toks) && a.c.is(a.toks[i].id, wCurrency)
}

// moneyCue reports the signs that the number at i (ending at next) is money.
func (a *analysis) moneyCue(i, next int) bool {
	c, toks := a.c, a.toks
	if i > 0 && toks[i-1].id == idDollar {
		return true
	}
	if next < len(toks) {
		id := toks[next].id
		if c.is(id, wCurrency|wMonthly) {
			return true
		}
		if c.is(id, wPer) && next+1 < len(toks) && c.is(toks[next+1].id, wMonthWord) {
			return true
		}
		if id == idDe && next+1 < len(toks) && c.is(toks[next+1].id, wEntry) { // "300 de entrada"
			return true
		}
	}
	for k := i - 1; k >= 0 && k >= i-2; k-- { // "pagar 200", "consigo pagar uns 80"
		if toks[k+1].brk {
			break
		}
		if c.is(toks[k].id, wAmountPre) {
			return true
		}
	}
	return false
}

// moneyFormat reports "150,00" or "1.250,50": two decimals are money even
// without a currency ("1.250" alone may be a count, "123.456.789" a CPF).
func (a *analysis) moneyFormat(i int) bool {
	s := a.text(i)
	n := len(s)
	return n >= 4 && (s[n-3] == ',' || s[n-3] == '.')
}

// parseMoney reads "150", "150,5", "1.250,50", "1,250.50" into cents.
func parseMoney(s string) (int64, bool) {
	last := -1
	for k := 0; k < len(s); k++ {
		switch c := s[k]; {
		case c == '.' || c == ',':
			last = k
		case c < '0' || c > '9':
			return 0, false
		}
	}
	intPart, frac := s, ""
	if last >= 0 && len(s)-last-1 <= 2 && len(s)-last-1 >= 1 {
		intPart, frac = s[:last], s[last+1:]
	}
	var v int64
	digits, group := 0, -1 // group counts digits since the last separator
	for k := 0; k < len(intPart); k++ {
		c := intPart[k]
		if c == '.' || c == ',' {
			if digits == 0 || (group >= 0 && group != 3) || (group < 0 && digits > 3) {
				return 0, false
			}
			group = 0
			continue
		}
		v = v*10 + int64(c-'0')
		digits++
		if group >= 0 {
			group++
		}
		if digits > 10 {
			return 0, false
		}
	}
	if digits == 0 || (group >= 0 && group != 3) {
		return 0, false
	}
	cents := v * 100
	switch len(frac) {
	case 1:
		cents += int64(frac[0]-'0') * 10
	case 2:
		cents += int64(frac[0]-'0')*10 + int64(frac[1]-'0')
	}
	return cents, true
}
