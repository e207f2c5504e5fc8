// Package nlu is quita's language understanding: rule- and lexicon-based
// classification of a debtor's free-text message (Brazilian Portuguese
// first, Spanish and English) into an intent, entities (date, installments,
// amount, menu option) and flags (distress, abusive, legal threat).
//
// It is pure code: no I/O, no network, no clock unless Options.Today is
// zero. Everything is compiled at package init; Classify allocates only its
// result and is safe for concurrent use.
package nlu

import (
	"sync"
	"time"
	"unsafe"
)

// Entities are the values found in a message. Zero values mean "not found".
type Entities struct {
	Date         string  `json:"date,omitempty"` // YYYY-MM-DD in the conversation's time zone
	Installments int     `json:"installments,omitempty"`
	Amount       float64 `json:"amount,omitempty"` // reais (or the message's currency)
	AmountCents  int64   `json:"-"`                // the amount, exact
	Option       int     `json:"option,omitempty"` // a menu number
}

// Result is what Classify understood.
type Result struct {
	Text       string   `json:"text"`
	Lang       string   `json:"lang"`
	Intent     Intent   `json:"intent"`
	Confidence float64  `json:"confidence"` // 0…1
	Entities   Entities `json:"entities"`
	Flags      []string `json:"flags"`
	// Alternatives are the runner-up intents, likeliest first, with their
	// probabilities (at most three, each at least 0.01); [] when none.
	Alternatives []Scored `json:"alternatives"`
}

// Scored is an intent with its probability.
type Scored struct {
	Intent     Intent  `json:"intent"`
	Confidence float64 `json:"confidence"`
}

// Options are the conversation context of a message.
type Options struct {
	Lang  string    // "pt", "es" or "en"; "" detects
	Today time.Time // any instant of the conversation's today; its Location is the conversation's time zone
}

var langs [3]*compiledLang // pt, es, en

func langIndex(code string) int {
	switch code {
	case "pt":
		return 0
	case "es":
		return 1
	case "en":
		return 2
	}
	return -1
}

// Ids of words the parsers test directly.
var (
	idDe, idOf, idDo, idDel, idOn, idA, idDollar, idPercent int32
	optOutKeywords                                          map[int32]bool
)

// sharedRules apply in every language: emojis and words debtors use
// whatever language they write in.
var sharedRules = []rule{
	r(IntentAffirm, 2, emojiOK),
	r(IntentThanksBye, 2, emojiPray),
	r(IntentDeny, 2, emojiNo),
	r(IntentGreeting, 1, emojiWave),
	r(IntentAskPix, 3, "pix", "qrcode|qr_code", "copia e cola"),
	r(IntentAskBoleto, 3, "boleto|boletos|boletinho"),
	r(IntentOptOut, 6, "unsubscribe|stopall|optout|descadastrar"),
}

var sharedFlags = []rule{fl(FlagAbusive, emojiFinger)}

// optOutWords are the keywords that alone ask to stop contact, in any language.
const optOutWords = "sair sai parar para pare parem stop stopall cancelar cancela cancel cancele descadastrar descadastra " +
	"descadastre descadastro descadastrar unsubscribe baja end quit remover optout chega basta"

func init() {
	defs := [3]*langDef{&ptLang, &esLang, &enLang}
	for k, d := range defs {
		langs[k] = compileLang(d, sharedRules)
		langs[k].compileNumbers(&d.numw)
		langs[k].compileRules(&langs[k].flags, sharedFlags)
	}
	idDe, idOf, idDo, idDel = voc.intern("de"), voc.intern("of"), voc.intern("do"), voc.intern("del")
	idOn, idA, idDollar, idPercent = voc.intern("on"), voc.intern("a"), voc.intern("$"), voc.intern("%")
	optOutKeywords = map[int32]bool{}
	for _, w := range canonWords(optOutWords) {
		optOutKeywords[voc.intern(w)] = true
	}
	for id, w := range voc.words {
		if id > 0 && w[0] != '~' && (w[0] < '0' || w[0] > '9') {
			addFuzzy(int32(id), w)
		}
	}
	for _, c := range langs {
		c.finalize()
	}
}

// scratch is the reusable working memory of one Classify call.
type scratch struct {
	tz   tokenizer
	toks []tok
	used []bool
	feat featureSet
	a    analysis // the analysis readRules returns, kept here so it does not escape
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

func getScratch() *scratch  { return scratchPool.Get().(*scratch) }
func putScratch(s *scratch) { scratchPool.Put(s) }

func unsafeString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// expand maps spans to tokens of language c: vocabulary ids, typo
// correction, then the language's abbreviations.
func (s *scratch) expand(c *compiledLang) {
	s.toks = s.toks[:0]
	for k, sp := range s.tz.spans {
		id := sp.id
		// abbreviations, except the "x" of "6x" and the "th" of "10th"
		glued := sp.glued && k > 0 && s.tz.spans[k-1].kind == spanNum
		if exp := c.expansion(id); exp != nil && !glued {
			for n, e := range exp {
				s.toks = append(s.toks, tok{id: e, sp: int32(k), brk: sp.brk && n == 0, kind: sp.kind})
			}
			continue
		}
		s.toks = append(s.toks, tok{id: id, sp: int32(k), brk: sp.brk, kind: sp.kind})
	}
	if cap(s.used) < len(s.toks) {
		s.used = make([]bool, len(s.toks), 2*len(s.toks))
	}
	s.used = s.used[:len(s.toks)]
}

// analyse classifies the tokenized message in language c.
func (s *scratch) analyse(c *compiledLang) analysis {
	s.expand(c)
	for k := range s.used {
		s.used[k] = false
	}
	a := analysis{c: c, toks: s.toks, spans: s.tz.spans, buf: s.tz.buf, used: s.used}
	a.parseDates()
	a.parseNumbers()
	a.scoreIntents()
	a.scoreFlags()
	for k, t := range a.toks {
		if !a.used[k] && !c.is(t.id, wFiller) {
			a.content++
		}
	}
	return a
}

// Classify understands one message: the rules read it first (entities,
// menu numbers, keywords), then the trained model decides the intent with
// what the rules found among its features, and the safety heads raise
// distress and stop_contact for recall (see README.md, "Rules and model").
func Classify(text string, opt Options) Result {
	return classifyWith(defaultModel, text, opt)
}

// classifyWith classifies with model m (nil: the rules alone).
func classifyWith(m *model, text string, opt Options) Result {
	sc := getScratch()
	defer putScratch(sc)
	a, rv := sc.readRules(text, opt)
	res := Result{Text: text, Lang: langs[rv.lang].code, Intent: rv.intent, Confidence: rv.conf}
	flags := rv.flags
	if m != nil {
		a.features(&sc.feat, &rv)
		out := m.logits(&sc.feat)
		d := combine(&rv, &out, &m.meta.Params)
		res.Intent, res.Confidence, flags = d.intent, d.conf, d.flags
		res.Alternatives = d.alternatives()
	} else if rv.intent == IntentOptOut {
		flags |= 1 << flagStop
	}
	if res.Alternatives == nil {
		res.Alternatives = []Scored{}
	}
	res.Flags = flagList(flags)
	res.Entities = a.entities(res.Intent, opt.Today)
	return res
}

// ruleView is what the rule layer read in a message.
type ruleView struct {
	lang       int // the message's language (index in langs)
	intent     Intent
	conf       float64
	scores     [numIntents]float32 // evidence per intent, with the date and instalment boosts
	flags      uint8               // the lexicon's flags, and flagStop for a bare or explicit stop request
	bareOptOut bool                // only opt-out keywords and fillers: "SAIR", "stop 🙏"
	option     int                 // a menu number
}

// readRules runs the rule layer: language, tokens, entities, intent
// scores. The returned analysis holds the tokens of the language chosen.
func (sc *scratch) readRules(text string, opt Options) (*analysis, ruleView) {
	sc.tz.tokenize(text)
	sc.tz.identify()
	li, alt := langIndex(opt.Lang), -1
	if li < 0 {
		li, alt = detect(&sc.tz)
	}
	last := li
	a := sc.analyse(langs[li])
	intent, conf := a.decide()
	if alt >= 0 { // a close call: the runner-up, when it reads clearly better
		b := sc.analyse(langs[alt])
		last = alt
		if in, cf := b.decide(); in != IntentUnknown && (intent == IntentUnknown || b.top() > a.top()+1) {
			a, intent, conf, li = b, in, cf, alt
		}
	}
	if intent == IntentUnknown && a.option == 0 {
		// a short or mixed message may read better in another language
		for k, c := range langs {
			if k == li {
				continue
			}
			b := sc.analyse(c)
			last = k
			if in, cf := b.decide(); in != IntentUnknown {
				a, intent, conf = b, in, cf
				break
			}
		}
	}
	if langs[last] != a.c { // the tokens are another language's: expand again
		sc.expand(a.c)
		a.toks = sc.toks
	}
	rv := ruleView{lang: li, intent: intent, conf: conf, scores: a.scores, flags: a.flags, bareOptOut: a.bareOptOut(), option: a.option}
	if rv.bareOptOut || a.scores[intentIndex[IntentOptOut]] >= strongOptOut {
		rv.flags |= 1 << flagStop
	}
	sc.a = a
	return &sc.a, rv
}

// entities resolves what the analysis found.
func (a *analysis) entities(intent Intent, today time.Time) Entities {
	var e Entities
	if a.nDates > 0 {
		if today.IsZero() {
			today = time.Now()
		}
		y, m, d := today.Date()
		e.Date = a.pickDate().resolve(civil{y, m, d}, intent == IntentAlreadyPaid).String()
	}
	e.Installments = a.inst
	if a.cents > 0 {
		e.AmountCents = a.cents
		e.Amount = float64(a.cents) / 100
	}
	e.Option = a.option
	return e
}

// pickDate returns the date nearest the payment act, else the first.
func (a *analysis) pickDate() dateSpec {
	best := a.dates[0]
	if a.payPos < 0 {
		return best
	}
	dist := func(p int) int {
		if p > a.payPos {
			return p - a.payPos
		}
		return a.payPos - p
	}
	for _, s := range a.dates[1:a.nDates] {
		if dist(s.pos) < dist(best.pos) {
			best = s
		}
	}
	return best
}
