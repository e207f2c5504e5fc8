package nlu

// Features of a message for the trained model (model.go). They are read
// off the normalised tokens the rules saw (accents folded, repeats squeezed,
// typos corrected, abbreviations of the message's language expanded), so
// "vc n vai me ligar mais" and "você não vai me ligar mais" share most of
// them, plus what the rule layer found. Each feature is a 32-bit hash; the
// model keeps a weight row for the hashes that occurred in its training
// data and ignores the others.
//
// Two groups:
//   - text features: word unigrams and bigrams (with sentence ends and
//     clause breaks), and character 3-, 4- and 5-grams of the normalised
//     text with a space on each side. Their value is 1/sqrt(count), so a long
//     voice-note run-on does not outvote a short message by its length.
//   - meta features, value 1: the language, the message's length class,
//     what the rules decided and which intents they found evidence for, the
//     rule flags, and the entities (a date, a payment act, instalments, an
//     amount, a bare number).

// Hash kinds, mixed into every feature so that a word and a character
// n-gram with the same bytes differ.
const (
	fkWord    = 'w'
	fkBigram  = 'b'
	fkChar    = 'c'
	fkMeta    = 'm'
	fnvOffset = 2166136261
	fnvPrime  = 16777619
)

// featureVersion changes whenever what features() computes changes, so
// that a model trained before is refused as stale (TestCommittedModelIsFresh).
const featureVersion = 2

// featureSet is the reusable feature buffer of one Classify call.
type featureSet struct {
	text []uint32 // text feature hashes, repeats kept
	meta []uint32
	norm []byte // the normalised text: " w1 w2 | w3 "
}

func (f *featureSet) reset() {
	f.text, f.meta, f.norm = f.text[:0], f.meta[:0], f.norm[:0]
}

func hashBytes(kind byte, b []byte) uint32 {
	h := uint32(fnvOffset)
	h = (h ^ uint32(kind)) * fnvPrime
	for _, c := range b {
		h = (h ^ uint32(c)) * fnvPrime
	}
	return h
}

func hashString(kind byte, s string) uint32 {
	h := uint32(fnvOffset)
	h = (h ^ uint32(kind)) * fnvPrime
	for i := 0; i < len(s); i++ {
		h = (h ^ uint32(s[i])) * fnvPrime
	}
	return h
}

// mix32 is the murmur3 finaliser: a well-spread hash of a pair of hashes.
func mix32(h uint32) uint32 {
	h ^= h >> 16
	h *= 0x85ebca6b
	h ^= h >> 13
	h *= 0xc2b2ae35
	h ^= h >> 16
	return h
}

func pairHash(kind byte, a, b uint32) uint32 {
	return mix32(a*0x9e3779b1 ^ (b<<7 | b>>25) ^ uint32(kind)<<24)
}

// Pseudo-words of the bigrams.
var (
	hashBOS   = hashString(fkWord, "<s>")
	hashEOS   = hashString(fkWord, "</s>")
	hashBreak = hashString(fkWord, "|")
)

// tokenText is the normalised text of token t: its vocabulary word (after
// typo correction and expansion) or its folded letters; numbers are shaped
// (every digit a 0: "05/12" → "00/00", "1.250,50" → "0.000,00").
func (a *analysis) tokenText(t tok, dst []byte) []byte {
	if t.kind == spanNum {
		sp := a.spans[t.sp]
		for _, c := range a.buf[sp.a:sp.b] {
			if c >= '0' && c <= '9' {
				c = '0'
			}
			dst = append(dst, c)
		}
		return dst
	}
	if t.id > 0 {
		return append(dst, voc.words[t.id]...)
	}
	sp := a.spans[t.sp]
	return append(dst, a.buf[sp.a:sp.b]...)
}

// features fills f from the analysis of the message in its final language
// and what the rules decided.
func (a *analysis) features(f *featureSet, rv *ruleView) {
	f.reset()
	// words and bigrams; the normalised text for the character n-grams
	prev := hashBOS
	f.norm = append(f.norm, ' ')
	for k, t := range a.toks {
		if t.brk && k > 0 {
			f.text = append(f.text, pairHash(fkBigram, prev, hashBreak))
			prev = hashBreak
			f.norm = append(f.norm, '|', ' ')
		}
		start := len(f.norm)
		f.norm = a.tokenText(t, f.norm)
		w := hashBytes(fkWord, f.norm[start:])
		f.norm = append(f.norm, ' ')
		f.text = append(f.text, w, pairHash(fkBigram, prev, w))
		prev = w
	}
	if len(a.toks) > 0 {
		f.text = append(f.text, pairHash(fkBigram, prev, hashEOS))
	}
	// character 3- to 5-grams, by a rolling FNV-1a from each start
	n := f.norm
	for i := 0; i+3 <= len(n); i++ {
		h := uint32(fnvOffset)
		h = (h ^ fkChar) * fnvPrime
		for j := 0; j < 5 && i+j < len(n); j++ {
			h = (h ^ uint32(n[i+j])) * fnvPrime
			if j >= 2 {
				f.text = append(f.text, h)
			}
		}
	}
	// meta
	m := func(s string) { f.meta = append(f.meta, hashString(fkMeta, s)) }
	f.meta = append(f.meta, metaLang[langIndex(a.c.code)])
	switch l := len(a.toks); {
	case l == 0:
		m("len:0")
	case l == 1:
		m("len:1")
	case l <= 3:
		m("len:2-3")
	case l <= 7:
		m("len:4-7")
	case l <= 15:
		m("len:8-15")
	default:
		m("len:16+")
	}
	f.meta = append(f.meta, metaRule[intentIndex[rv.intent]])
	for k, v := range rv.scores {
		switch {
		case v >= 5:
			f.meta = append(f.meta, metaScore[k][2])
		case v >= 3:
			f.meta = append(f.meta, metaScore[k][1])
		case v >= 1:
			f.meta = append(f.meta, metaScore[k][0])
		}
	}
	if rv.bareOptOut {
		m("bare_opt_out")
	}
	for k := range flagNames {
		if rv.flags&(1<<k) != 0 {
			f.meta = append(f.meta, metaFlag[k])
		}
	}
	if rv.flags&(1<<flagDistressCue) != 0 {
		m("flag:distress_cue")
	}

	if a.nDates > 0 {
		m("date")
		if a.content == 0 {
			m("date_only")
		}
	}
	if a.payPos >= 0 {
		m("pay_act")
	}
	if a.inst > 0 {
		m("installments")
	}
	if a.cents > 0 {
		m("amount")
	}
	if a.option > 0 {
		m("option")
	}
}

// Hashes of the meta features named at run time, precomputed so that
// building features allocates nothing.
var (
	metaLang = [3]uint32{hashString(fkMeta, "lang:pt"), hashString(fkMeta, "lang:es"), hashString(fkMeta, "lang:en")}
	metaRule = func() (out [numIntents]uint32) {
		for k, in := range allIntents {
			out[k] = hashString(fkMeta, "rule:"+string(in))
		}
		return out
	}()
	metaFlag = func() (out [len(flagNames)]uint32) {
		for k, n := range flagNames {
			out[k] = hashString(fkMeta, "flag:"+n)
		}
		return out
	}()
)

// metaScore are the hashes of "score:<intent>:<level>", precomputed so
// that building features allocates nothing.
var metaScore = func() (out [numIntents][3]uint32) {
	for k, in := range allIntents {
		for l, lv := range [3]string{"1", "3", "5"} {
			out[k][l] = hashString(fkMeta, "score:"+string(in)+":"+lv)
		}
	}
	return out
}()
