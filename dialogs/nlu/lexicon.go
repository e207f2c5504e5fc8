package nlu

import (
	"strings"
)

// The lexicons are written as phrase patterns and compiled once at package
// init into token-id sequences indexed by their first token, so that matching
// a message is a few slice and map look-ups per token, with no regexp.
//
// Pattern syntax (one pattern per string):
//
//	words separated by spaces     each word goes through the same folding as messages
//	a|b|c                         alternatives for one slot
//	me_manda                      "_" joins several words into one alternative
//	word?                         optional slot
//	*                             a gap of 0 to 3 tokens inside one clause
//
// Abbreviations of the lexicon's language are expanded in patterns as in
// messages, so "vc" and "voce" are the same word.

// rule is one line of a lexicon: patterns and what a match means.
type rule struct {
	intent Intent  // intent credited ("" for none)
	w      float32 // weight added to intent
	neg    Intent  // intent credited instead when negated ("" drops the match)
	negW   float32
	flag   string // flag raised (flag rules)
	pay    bool   // a present or future act of paying: with a date, a promise
	noNeg  bool   // negation before it does not change it
	date   dateKind
	dateN  int
	pats   []string
}

func r(intent Intent, w float32, pats ...string) rule { return rule{intent: intent, w: w, pats: pats} }

// pay marks a rule as a payment act.
func (x rule) payAct() rule { x.pay = true; return x }

// negTo says what the rule means when negated.
func (x rule) negTo(i Intent, w float32) rule { x.neg, x.negW = i, w; return x }

// keep makes the rule immune to a preceding negation.
func (x rule) keep() rule { x.noNeg = true; return x }

func fl(flag string, pats ...string) rule { return rule{flag: flag, pats: pats} }

func dt(k dateKind, n int, pats ...string) rule { return rule{date: k, dateN: n, pats: pats} }

// gapID marks a "*" slot in a compiled pattern.
const gapID int32 = -1

// maxGap is how many tokens a "*" may skip.
const maxGap = 3

// vocab interns canonical words.
type vocab struct {
	ids   map[string]int32
	words []string
}

var voc = vocab{ids: map[string]int32{}, words: []string{""}}

func (v *vocab) intern(w string) int32 {
	if id, ok := v.ids[w]; ok {
		return id
	}
	id := int32(len(v.words))
	v.ids[w] = id
	v.words = append(v.words, w)
	return id
}

func (v *vocab) lookup(b []byte) int32 { return v.ids[string(b)] }

// canonWords folds a lexicon word (or several joined by "_" or spaces) the
// way messages are folded.
func canonWords(s string) []string {
	if strings.HasPrefix(s, "~") {
		return []string{s}
	}
	var t tokenizer
	t.tokenize(strings.ReplaceAll(s, "_", " "))
	out := make([]string, 0, len(t.spans))
	for _, sp := range t.spans {
		out = append(out, string(t.buf[sp.a:sp.b]))
	}
	return out
}

// compiledLang is a language's lexicon after init.
type compiledLang struct {
	code     string
	abbrev   map[int32][]int32 // canonical id → expansion
	stop     map[int32]bool    // stopwords for language detection
	negators map[int32]bool
	fillers  map[int32]bool // politeness and filler words ignored by "bare" checks
	intents  matcher
	flags    matcher
	dates    matcher
	nums     map[int32]int // number words: "seis" → 6
	months   map[int32]int
	markers  map[int32]dayMarker // "dia", "el", "the": what precedes a day of month
	units    map[int32]int       // "dias" → 1, "semanas" → 7 (for "em 3 dias")
	inPrefix map[int32]bool      // "daqui", "em", "in"
	mdy      bool                // numeric dates read month first (en)
	numw     compiledNumbers
	known    map[int32]bool // every word of the lexicon, for language detection
	bits     []uint32       // word id → classes (wStop…), built by finalize
	abbrevD  [][]int32      // word id → abbreviation expansion
}

// dayMarker says how a word relates to a following day number.
type dayMarker uint8

const (
	markDay dayMarker = iota + 1 // "dia 10", "el 10", "the 10th"
	markOrd                      // "10th", "1o": ordinal suffix glued to the number
)

func (c *compiledLang) ids(words string, abbrev bool) []int32 {
	var out []int32
	for _, w := range canonWords(words) {
		id := voc.intern(w)
		c.known[id] = true
		if exp, ok := c.abbrev[id]; ok && abbrev {
			out = append(out, exp...)
			continue
		}
		out = append(out, id)
	}
	return out
}

func (c *compiledLang) set(words string) map[int32]bool {
	m := map[int32]bool{}
	for _, f := range strings.Fields(words) {
		for _, id := range c.ids(f, true) {
			m[id] = true
		}
		for _, id := range c.ids(f, false) { // the raw form too, for detection
			m[id] = true
		}
	}
	return m
}

// setRaw is set without abbreviation expansion: the "x" of "6x" is no
// Spanish "por".
func (c *compiledLang) setRaw(words string) map[int32]bool {
	m := map[int32]bool{}
	for _, f := range strings.Fields(words) {
		for _, id := range c.ids(f, false) {
			m[id] = true
		}
	}
	return m
}

// compilePattern expands alternatives and optional slots.
func (c *compiledLang) compilePattern(p string) [][]int32 {
	seqs := [][]int32{{}}
	for _, slot := range strings.Fields(p) {
		if slot == "*" {
			for i := range seqs {
				seqs[i] = append(seqs[i], gapID)
			}
			continue
		}
		optional := strings.HasSuffix(slot, "?") && len(slot) > 1
		slot = strings.TrimSuffix(slot, "?")
		var alts [][]int32
		for _, a := range strings.Split(slot, "|") {
			alts = append(alts, c.ids(a, true))
		}
		if optional {
			alts = append(alts, nil)
		}
		next := make([][]int32, 0, len(seqs)*len(alts))
		for _, s := range seqs {
			for _, a := range alts {
				n := make([]int32, 0, len(s)+len(a))
				n = append(append(n, s...), a...)
				next = append(next, n)
			}
		}
		seqs = next
	}
	out := seqs[:0]
	for _, s := range seqs { // a gap may not open or close a phrase
		for len(s) > 0 && s[0] == gapID {
			s = s[1:]
		}
		for len(s) > 0 && s[len(s)-1] == gapID {
			s = s[:len(s)-1]
		}
		if len(s) > 0 {
			out = append(out, s)
		}
	}
	return out
}

func (c *compiledLang) compileRules(m *matcher, rules []rule) {
	for i := range rules {
		ru := &rules[i]
		for _, p := range ru.pats {
			for _, ids := range c.compilePattern(p) {
				m.add(ids, ru)
			}
		}
	}
}

// langDef is a language's lexicon as written in lexicon_xx.go.
type langDef struct {
	code     string
	abbrev   map[string]string // canonical word → expansion (words)
	stop     string            // stopwords for language detection
	negators string
	fillers  string
	rules    []rule // intents
	flags    []rule
	dates    []rule
	weekdays [7]string // alternatives for Sunday…Saturday
	nextWd   []string  // "% que vem": the weekday of next week
	lastWd   []string  // "% passada"
	nums     map[string]int
	months   map[string]int
	dayMark  string // words before a day number: "dia", "el", "the on"
	ordinal  string // suffixes glued to a day number: "o", "th st nd rd"
	units    map[string]int
	inPrefix string
	mdy      bool
	numw     numberWords
}

func compileLang(d *langDef, shared []rule) *compiledLang {
	c := &compiledLang{code: d.code, abbrev: map[int32][]int32{}, mdy: d.mdy, known: map[int32]bool{}}
	for k, v := range d.abbrev {
		for _, kw := range canonWords(k) {
			c.abbrev[voc.intern(kw)] = c.ids(v, false)
		}
	}
	c.stop = c.set(d.stop)
	c.negators = c.set(d.negators)
	c.fillers = c.set(d.fillers)
	c.compileRules(&c.intents, append(append([]rule{}, d.rules...), shared...))
	c.compileRules(&c.flags, d.flags)
	dates := append([]rule{}, d.dates...)
	for wd, names := range d.weekdays {
		dates = append(dates, dt(dateWeekday, wd, names))
		if d.code == "pt" { // "sexta-feira"
			dates = append(dates, dt(dateWeekday, wd, names+" feira"))
		}
		for _, tpl := range d.nextWd {
			dates = append(dates, dt(dateNextWeekday, wd, strings.ReplaceAll(tpl, "%", names)))
		}
		for _, tpl := range d.lastWd {
			dates = append(dates, dt(dateLastWeekday, wd, strings.ReplaceAll(tpl, "%", names)))
		}
	}
	c.compileRules(&c.dates, dates)
	c.nums = c.wordMap(d.nums)
	c.months = c.wordMap(d.months)
	c.units = c.wordMap(d.units)
	c.inPrefix = c.set(d.inPrefix)
	c.markers = map[int32]dayMarker{}
	for id := range c.set(d.dayMark) {
		c.markers[id] = markDay
	}
	for id := range c.set(d.ordinal) {
		c.markers[id] = markOrd
	}
	return c
}

func (c *compiledLang) wordMap(m map[string]int) map[int32]int {
	out := make(map[int32]int, len(m))
	for k, v := range m {
		for _, id := range c.ids(k, true) {
			out[id] = v
		}
	}
	return out
}
