package nlu

// Intent is what a debtor's message asks for or tells.
type Intent string

// The intents, exactly as the dialog engine knows them.
const (
	IntentGreeting    Intent = "greeting"
	IntentAskBoleto   Intent = "ask_boleto"
	IntentAskPix      Intent = "ask_pix"
	IntentNegotiate   Intent = "negotiate"
	IntentPayInFull   Intent = "pay_in_full"
	IntentPromise     Intent = "promise_to_pay"
	IntentAlreadyPaid Intent = "already_paid"
	IntentDispute     Intent = "dispute"
	IntentHardship    Intent = "hardship"
	IntentAskHuman    Intent = "ask_human"
	IntentOptOut      Intent = "opt_out"
	IntentWrongPerson Intent = "wrong_person"
	IntentDebtInfo    Intent = "debt_info"
	IntentScam        Intent = "scam_concern"
	IntentAffirm      Intent = "affirm"
	IntentDeny        Intent = "deny"
	IntentThanksBye   Intent = "thanks_bye"
	IntentUnknown     Intent = "unknown"
)

var allIntents = [...]Intent{IntentGreeting, IntentAskBoleto, IntentAskPix, IntentNegotiate, IntentPayInFull,
	IntentPromise, IntentAlreadyPaid, IntentDispute, IntentHardship, IntentAskHuman, IntentOptOut,
	IntentWrongPerson, IntentDebtInfo, IntentScam, IntentAffirm, IntentDeny, IntentThanksBye, IntentUnknown}

const numIntents = len(allIntents)

// Intents lists every intent Classify can return.
func Intents() []Intent { return append([]Intent(nil), allIntents[:]...) }

// Valid reports whether i is one of the intents.
func (i Intent) Valid() bool { _, ok := intentIndex[i]; return ok }

var intentIndex = func() map[Intent]int {
	m := make(map[Intent]int, numIntents)
	for k, i := range allIntents {
		m[i] = k
	}
	return m
}()

// priority breaks ties between equal scores: what costs most to miss first.
var priority = [...]Intent{IntentOptOut, IntentWrongPerson, IntentDispute, IntentAlreadyPaid, IntentPromise,
	IntentHardship, IntentNegotiate, IntentPayInFull, IntentAskHuman, IntentScam, IntentAskBoleto, IntentAskPix,
	IntentDebtInfo, IntentDeny, IntentThanksBye, IntentAffirm, IntentGreeting}

// social intents answer in a word; their evidence does not add up.
var social = func() (s [numIntents]bool) {
	for _, in := range []Intent{IntentGreeting, IntentAffirm, IntentDeny, IntentThanksBye} {
		s[intentIndex[in]] = true
	}
	return s
}()

// Decision thresholds and boosts.
const (
	minScore     = 1   // below it the intent is unknown
	strongOptOut = 5   // an explicit stop-contact request wins over anything else
	promiseBoost = 3.5 // a date with a payment act (or alone) is a promise
	installBoost = 2.5 // "6x", "em 10 parcelas" are a negotiation
	legalDispute = 1.5 // a legal threat contests the collection
	maxDates     = 4
)

// analysis is the work of classifying one message in one language.
type analysis struct {
	c       *compiledLang
	toks    []tok
	spans   []span
	buf     []byte
	used    []bool // tokens taken by an entity
	scores  [numIntents]float32
	dates   [maxDates]dateSpec
	nDates  int
	payPos  int // a payment act not negated, -1 when none
	covered int
	content int
	flags   uint8
	inst    int
	cents   int64
	option  int
}

// scoreIntents runs the intent lexicon over the tokens.
func (a *analysis) scoreIntents() {
	c := a.c
	a.payPos = -1
	c.intents.scan(a.toks, func(m match) {
		ru := m.rule
		if ru.intent == "" && ru.neg == "" {
			a.covered += m.end - m.start
			return
		}
		if !ru.noNeg && (!c.is(a.toks[m.start].id, wNeg) && c.negated(a.toks, m.start) || c.negatedAfter(a.toks, m.end)) {
			if ru.neg != "" {
				a.scores[intentIndex[ru.neg]] += ru.negW
				a.covered += m.end - m.start
			}
			return
		}
		k := intentIndex[ru.intent]
		if social[k] { // "sim, ok, blz" is one yes, not three
			a.scores[k] = max(a.scores[k], ru.w)
		} else {
			a.scores[k] += ru.w
		}
		a.covered += m.end - m.start
		if ru.pay {
			a.payPos = m.start
		}
	})
}

// bareOptOut reports a message made only of opt-out keywords and fillers:
// "SAIR", "stop", "quero cancelar", "sair por favor".
func (a *analysis) bareOptOut() bool {
	kw := false
	for _, t := range a.toks {
		switch {
		case a.c.is(t.id, wOptOut):
			kw = true
		case a.c.is(t.id, wFiller):
		default:
			return false
		}
	}
	return kw
}

// decide picks the intent and its confidence.
func (a *analysis) decide() (Intent, float64) {
	if a.bareOptOut() {
		return IntentOptOut, 1
	}
	s := &a.scores
	if s[intentIndex[IntentOptOut]] >= strongOptOut {
		return IntentOptOut, confidence(s[intentIndex[IntentOptOut]], 0, 1)
	}
	if a.flags&(1<<flagLegal) != 0 {
		s[intentIndex[IntentDispute]] += legalDispute
	}
	if a.nDates > 0 && a.inst == 0 { // with installments a date starts a plan: a negotiation
		dateOnly := a.content == 0
		if a.payPos >= 0 || dateOnly {
			s[intentIndex[IntentPromise]] += promiseBoost
		}
	}
	if a.inst > 0 {
		s[intentIndex[IntentNegotiate]] += installBoost
	}
	best, bestScore, second := IntentUnknown, float32(0), float32(0)
	for _, in := range priority {
		v := s[intentIndex[in]]
		if v > bestScore {
			best, second, bestScore = in, bestScore, v
		} else if v > second {
			second = v
		}
	}
	if bestScore < minScore {
		return IntentUnknown, 0
	}
	cover := float32(1)
	if n := len(a.toks); n > 0 {
		cover = float32(a.covered+a.usedCount()) / float32(n)
		if cover > 1 {
			cover = 1
		}
	}
	return best, confidence(bestScore, second, cover)
}

// top is the best intent score after decide.
func (a *analysis) top() float32 {
	m := float32(0)
	for _, v := range a.scores {
		if v > m {
			m = v
		}
	}
	return m
}

func (a *analysis) usedCount() int {
	n := 0
	for _, u := range a.used {
		if u {
			n++
		}
	}
	return n
}

// confidence mixes strength, margin over the runner-up and how much of the
// message the evidence covers; rounded to two decimals.
func confidence(best, second, cover float32) float64 {
	strength := best / (best + 1)
	margin := (best - second) / best
	c := 0.5*strength + 0.3*margin + 0.2*cover
	if c < 0 {
		c = 0
	}
	if c > 1 {
		c = 1
	}
	return float64(int(c*100+0.5)) / 100
}
