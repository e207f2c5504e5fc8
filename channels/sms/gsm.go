package sms

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// replacements are the typographic characters a text editor or a
// translator puts in that have a plain GSM-7 twin, after Twilio's Smart
// Encoding list (twilio.com/docs/sms/services/smart-encoding-char-list):
// quotes, dashes, ellipsis, spaces, bullets.
var replacements = map[rune]string{
	'“': `"`, '”': `"`, '„': `"`, '‟': `"`, '«': `"`, '»': `"`, '″': `"`,
	'‘': "'", '’': "'", '‚': "'", '‛': "'", '′': "'", '´': "'", '`': "'",
	'‐': "-", '‑': "-", '‒': "-", '–': "-", '—': "-", '―': "-", '−': "-",
	'…': "...", '•': "-", '·': "-",
	'\u00a0': " ", '\u2002': " ", '\u2003': " ", '\u2009': " ", '\u202f': " ", '\t': " ",
	'º': "o", 'ª': "a", '°': "o",
	'ç':      "c", // only the capital Ç is in GSM 03.38
	'\u200b': "", '\u200c': "", '\u200d': "", '\ufeff': "", '\ufe0f': "", '\ufe0e': "",
}

// ToGSM folds a text to the GSM-7 alphabet, for a creditor who sends SMS in
// gsm: a character of the alphabet stays (é, à, ü, ñ, Ç are in it); a
// typographic one becomes its plain twin (replacements); an accented
// letter loses its accent (ã → a, í → i, Ê → E); anything else (emoji,
// symbols) is dropped, with the space it leaves doubled taken out.
func ToGSM(text string) string {
	if IsGSM(text) {
		return text
	}
	var b strings.Builder
	b.Grow(len(text))
	dropped := false
	for _, r := range text {
		switch {
		case septets[r] > 0:
			if r == ' ' && dropped && strings.HasSuffix(b.String(), " ") {
				continue
			}
			b.WriteRune(r)
			dropped = false
		case replacements[r] != "" || hasReplacement(r):
			b.WriteString(replacements[r])
		default:
			if base := bare(r); base != "" {
				b.WriteString(base)
				dropped = false
			} else {
				dropped = true
			}
		}
	}
	return strings.TrimSpace(b.String())
}

func hasReplacement(r rune) bool {
	_, ok := replacements[r]
	return ok
}

// bare is a letter without its accents when that is in the alphabet
// (canonical decomposition, the combining marks left out), else "".
func bare(r rune) string {
	var out []rune
	for _, d := range norm.NFD.String(string(r)) {
		if unicode.Is(unicode.Mn, d) {
			continue
		}
		if septets[d] == 0 {
			return ""
		}
		out = append(out, d)
	}
	return string(out)
}
