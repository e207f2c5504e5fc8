package nlu

import (
	"unicode"
	"unicode/utf8"
)

// Normalisation turns a raw WhatsApp/SMS message into canonical tokens:
// lowercase, accents stripped ("não" → "nao"), repeated letters collapsed
// ("simmmm" → "sim", and also "isso" → "iso": every word, in the lexicon too,
// goes through the same folding, so matching stays consistent), emojis dropped
// except a few that carry meaning (👍 → affirm, 🙏 → thanks…), punctuation
// kept only as clause breaks. Numbers keep their inner separators
// ("1.250,50", "05/12") so the entity parsers can read them.

// Span kinds.
const (
	spanWord uint8 = iota
	spanNum
	spanSym // "$"
)

// span is one token of the canonical text: buf[a:b] of the scratch buffer.
type span struct {
	a, b  int32
	id    int32 // vocabulary id (after typo correction), 0 when unknown
	kind  uint8
	brk   bool // a clause break (punctuation, emoji, new line) precedes it
	glued bool // no space before it: the "x" of "6x", the "th" of "10th"
}

// Emoji words: canonical tokens that never come out of plain text, since "~"
// is a separator.
const (
	emojiOK     = "~ok"     // 👍 👌 ✅ 🆗 ✔
	emojiPray   = "~pray"   // 🙏
	emojiNo     = "~no"     // 👎 ❌
	emojiWave   = "~wave"   // 👋
	emojiFinger = "~finger" // 🖕
)

func emojiWord(r rune) string {
	switch r {
	case 0x1F44D, 0x1F44C, 0x2705, 0x1F197, 0x2714, 0x2611:
		return emojiOK
	case 0x1F64F:
		return emojiPray
	case 0x1F44E, 0x274C, 0x274E:
		return emojiNo
	case 0x1F44B:
		return emojiWave
	case 0x1F595:
		return emojiFinger
	}
	return ""
}

// ignorable runes join what surrounds them: variation selectors, joiners,
// the keycap mark of 2️⃣, skin tones.
func ignorable(r rune) bool {
	return r == 0xFE0F || r == 0xFE0E || r == 0x200D || r == 0x200C || r == 0x200B ||
		r == 0x20E3 || r == 0xAD || (r >= 0x1F3FB && r <= 0x1F3FF)
}

// foldLatin maps U+00C0…U+024F to lowercase ASCII ("" for non-letters).
var foldLatin = [...]string{"a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i", "d", "n", "o", "o", "o", "o", "o", "", "o", "u", "u", "u", "u", "y", "th", "ss", "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i", "d", "n", "o", "o", "o", "o", "o", "", "o", "u", "u", "u", "u", "y", "th", "y", "a", "a", "a", "a", "a", "a", "c", "c", "c", "c", "c", "c", "c", "c", "d", "d", "d", "d", "e", "e", "e", "e", "e", "e", "e", "e", "e", "e", "g", "g", "g", "g", "g", "g", "g", "g", "h", "h", "h", "h", "i", "i", "i", "i", "i", "i", "i", "i", "i", "i", "ij", "ij", "j", "j", "k", "k", "", "l", "l", "l", "l", "l", "l", "", "", "l", "l", "n", "n", "n", "n", "n", "n", "", "", "", "o", "o", "o", "o", "o", "o", "oe", "oe", "r", "r", "r", "r", "r", "r", "s", "s", "s", "s", "s", "s", "s", "s", "t", "t", "t", "t", "t", "t", "u", "u", "u", "u", "u", "u", "u", "u", "u", "u", "u", "u", "w", "w", "y", "y", "y", "z", "z", "z", "z", "z", "z", "s", "b", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "o", "o", "", "", "", "", "", "", "", "", "", "", "", "", "", "u", "u", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "dz", "dz", "dz", "lj", "lj", "lj", "nj", "nj", "nj", "a", "a", "i", "i", "o", "o", "u", "u", "u", "u", "u", "u", "u", "u", "u", "u", "", "a", "a", "a", "a", "", "", "", "", "g", "g", "k", "k", "o", "o", "o", "o", "", "", "j", "dz", "dz", "dz", "g", "g", "", "", "n", "n", "a", "a", "", "", "", "", "a", "a", "a", "a", "e", "e", "e", "e", "i", "i", "i", "i", "o", "o", "o", "o", "r", "r", "r", "r", "u", "u", "u", "u", "s", "s", "t", "t", "", "", "h", "h", "", "", "", "", "", "", "a", "a", "e", "e", "o", "o", "o", "o", "o", "o", "o", "o", "y", "y", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", ""}

// separator reports runes that split tokens without marking a clause break.
func separator(r rune) bool {
	switch r {
	case ' ', '\t', '-', '/', '@', '#', '*', '_', '~', '"', '+', '=', '&', '|', '\\', '<', '>', '\'', 0x2019, 0x2018, '`', 0xB4, 0xA0, 0x201C, 0x201D, 0xAB, 0xBB, 0x2013, 0x2014:
		return true
	}
	return false
}

func isApostrophe(r rune) bool {
	return r == '\'' || r == 0x2019 || r == 0x2018 || r == '`' || r == 0xB4
}

// fold returns the canonical letters of r ("" when r is not a letter) and
// whether r is a letter at all.
func fold(r rune) (string, bool) {
	switch {
	case r >= 'a' && r <= 'z':
		return asciiLetters[r-'a' : r-'a'+1], true
	case r >= 'A' && r <= 'Z':
		return asciiLetters[r-'A' : r-'A'+1], true
	case r == 0xAA:
		return "a", true
	case r == 0xBA:
		return "o", true
	case r >= 0xC0 && r < 0x250:
		s := foldLatin[r-0xC0]
		return s, s != ""
	case r < 0x80:
		return "", false
	}
	return "", unicode.IsLetter(r)
}

const asciiLetters = "abcdefghijklmnopqrstuvwxyz"

func isDigit(r rune) bool { return r >= '0' && r <= '9' }

// tokenizer state kept in the scratch space of one Classify call.
type tokenizer struct {
	buf      []byte
	spans    []span
	cur      int // index of the open span, -1 when none
	brk      bool
	adjacent bool // the previous token ended right before this rune
	ptCue    int  // letters only Portuguese writes: ã õ ç ê ô â
	esCue    int  // ñ ¿ ¡
}

func (t *tokenizer) reset() {
	t.buf = t.buf[:0]
	t.spans = t.spans[:0]
	t.cur = -1
	t.brk = false
	t.adjacent = false
	t.ptCue, t.esCue = 0, 0
}

func (t *tokenizer) open(kind uint8) {
	t.spans = append(t.spans, span{a: int32(len(t.buf)), kind: kind, brk: t.brk, glued: t.adjacent})
	t.cur = len(t.spans) - 1
	t.brk = false
}

func (t *tokenizer) close() {
	if t.cur >= 0 {
		t.spans[t.cur].b = int32(len(t.buf))
		t.cur = -1
		t.adjacent = true
	}
}

// gap ends the open token at a space-like rune.
func (t *tokenizer) gap() { t.close(); t.adjacent = false }

// breakClause ends the open token at punctuation.
func (t *tokenizer) breakClause() { t.close(); t.adjacent = false; t.brk = true }

func (t *tokenizer) word(s string) {
	t.close()
	t.adjacent = false
	t.open(spanWord)
	t.buf = append(t.buf, s...)
	t.close()
	t.adjacent = false
	t.brk = true
}

// appendLetters adds folded letters to the open word, collapsing a letter
// that repeats the previous one.
func (t *tokenizer) appendLetters(s string) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if n := len(t.buf); n > int(t.spans[t.cur].a) && t.buf[n-1] == c {
			continue
		}
		t.buf = append(t.buf, c)
	}
}

// identify looks every span up in the vocabulary, correcting typos of
// unknown words.
func (t *tokenizer) identify() {
	for k := range t.spans {
		sp := &t.spans[k]
		w := t.buf[sp.a:sp.b]
		sp.id = voc.lookup(w)
		if sp.id == 0 && sp.kind == spanWord {
			sp.id = correct(w)
		}
	}
}

// tokenize fills t.buf and t.spans from text.
func (t *tokenizer) tokenize(text string) {
	t.reset()
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		i += size
		if isDigit(r) {
			if t.cur < 0 || t.spans[t.cur].kind != spanNum {
				t.close()
				t.open(spanNum)
			}
			t.buf = append(t.buf, byte(r))
			continue
		}
		if letters, ok := fold(r); ok {
			if t.cur < 0 || t.spans[t.cur].kind != spanWord {
				t.close()
				t.open(spanWord)
			}
			switch r {
			case 0xE3, 0xF5, 0xE7, 0xEA, 0xF4, 0xE2, 0xC3, 0xD5, 0xC7:
				t.ptCue++
			case 0xF1, 0xD1:
				t.esCue++
			}
			if letters != "" {
				t.appendLetters(letters)
			} else { // a letter of another script: keep it, lowercased
				t.buf = utf8.AppendRune(t.buf, unicode.ToLower(r))
			}
			continue
		}
		if ignorable(r) {
			continue
		}
		next, _ := utf8.DecodeRuneInString(text[i:])
		if t.cur >= 0 && t.spans[t.cur].kind == spanNum && (r == '.' || r == ',' || r == '/') && isDigit(next) {
			t.buf = append(t.buf, byte(r))
			continue
		}
		if isApostrophe(r) && t.cur >= 0 && t.spans[t.cur].kind == spanWord {
			if _, ok := fold(next); ok { // don't → dont
				continue
			}
		}
		switch {
		case r == '$':
			t.close()
			t.open(spanSym)
			t.buf = append(t.buf, '$')
			t.close()
		case separator(r) || unicode.IsSpace(r) && r != '\n' && r != '\r':
			t.gap()
		case r == 0xBF || r == 0xA1: // ¿ ¡
			t.esCue++
			t.breakClause()
		default:
			if w := emojiWord(r); w != "" {
				t.word(w)
				continue
			}
			t.breakClause()
		}
	}
	t.close()
}
