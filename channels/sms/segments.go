// Package sms counts what an SMS costs: its encoding (GSM-7 when every
// character is in the GSM 03.38 alphabet, else UCS-2) and the segments a
// carrier bills, and folds a text to the GSM-7 alphabet for creditors who
// send in gsm. It is pure: no I/O, no provider.
//
// The rules are 3GPP TS 23.038 §6.2.1 (default alphabet) and §6.2.1.1
// (extension table, reached by the escape 0x1B: a character there takes two
// septets), and the segment sizes Twilio documents ("What the Heck is a
// Segment?", twilio.com/blog/what-the-heck-is-a-segment; "What is UCS-2
// Character Encoding?", twilio.com/docs/glossary/what-is-ucs-2-character-encoding):
// one segment carries 160 GSM-7 septets or 70 UCS-2 code units; a longer
// message is split into segments of 153 or 67, the rest going to the
// 6-byte User Data Header that reassembles them.
package sms

import "unicode/utf16"

// Encodings, as the transcript (sms_encoding) and the metrics write them.
const (
	GSM7 = "gsm7"
	UCS2 = "ucs2"
)

// Units per segment: a message alone, and each part of a longer one.
const (
	GSM7Single = 160
	GSM7Part   = 153
	UCS2Single = 70
	UCS2Part   = 67
)

// gsmBasic is the GSM 03.38 default alphabet in code order (0x00–0x7F; the
// escape 0x1B is left out: it is no character of its own).
const gsmBasic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
	"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"

// gsmExtension are the characters of the extension table: the escape and
// the character, two septets each.
const gsmExtension = "\f^{}\\[~]|€"

var septets = func() map[rune]int {
	m := make(map[rune]int, 140)
	for _, r := range gsmBasic {
		m[r] = 1
	}
	for _, r := range gsmExtension {
		m[r] = 2
	}
	return m
}()

// IsGSM reports whether every character of text is in the GSM-7 alphabet
// (basic set or extension table).
func IsGSM(text string) bool {
	for _, r := range text {
		if septets[r] == 0 {
			return false
		}
	}
	return true
}

// Encoding is the encoding a text goes in: GSM7 when it can, else UCS2.
func Encoding(text string) string {
	if IsGSM(text) {
		return GSM7
	}
	return UCS2
}

// Count gives the text's encoding, the segments it is billed as and the
// units it takes (GSM-7 septets or UCS-2 code units). An empty text is
// one segment of nothing, as a carrier bills it.
func Count(text string) (encoding string, segments int, units int) {
	encoding = Encoding(text)
	parts := split(text, encoding)
	for _, p := range parts {
		units += p.units
	}
	return encoding, len(parts), units
}

// Split cuts the text into its segments, as a handset reassembles them.
// A character that takes two units (an escaped GSM-7 character, a UCS-2
// surrogate pair such as an emoji) is never cut across two segments: when
// it does not fit, it starts the next one (a segment may then carry one
// unit less than its size).
func Split(text string) []string {
	parts := split(text, Encoding(text))
	out := make([]string, len(parts))
	for i, p := range parts {
		out[i] = p.text
	}
	return out
}

type part struct {
	text  string
	units int
}

// width is the units one character takes in the encoding.
func width(r rune, encoding string) int {
	if encoding == GSM7 {
		return septets[r]
	}
	if utf16.RuneLen(r) == 2 {
		return 2
	}
	return 1
}

func split(text, encoding string) []part {
	single, size := UCS2Single, UCS2Part
	if encoding == GSM7 {
		single, size = GSM7Single, GSM7Part
	}
	total := 0
	for _, r := range text {
		total += width(r, encoding)
	}
	if total <= single {
		return []part{{text: text, units: total}}
	}
	var out []part
	start, units := 0, 0
	for i, r := range text {
		w := width(r, encoding)
		if units+w > size {
			out = append(out, part{text: text[start:i], units: units})
			start, units = i, 0
		}
		units += w
	}
	return append(out, part{text: text[start:], units: units})
}
