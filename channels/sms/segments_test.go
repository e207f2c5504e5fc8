package sms

import (
	"strings"
	"testing"
	"unicode/utf16"
)

// digits is "1234567890" repeated to n characters; Twilio's examples are
// built of it.
func digits(from, n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteByte(byte('0' + (from+i)%10))
	}
	return b.String()
}

// Twilio's published examples. The first four are the table of Twilio's
// own segment calculator (github.com/TwilioDevEd/message-segment-calculator,
// tests/index.test.js: encodingName, segments, and messageSize in bits =
// units × 7 for GSM-7, × 16 for UCS-2); the 307- and 135-unit messages are
// its tests/segments.test.js (three segments, the last holding one
// character); the 152 + 1 message is Twilio's glossary ("What is UCS-2
// Character Encoding?": "a body with 152 GSM-7-compatible characters and a
// single unicode character will be split into 3 messages").
func TestCountTwilioExamples(t *testing.T) {
	cases := []struct {
		name     string
		body     string
		encoding string
		segments int
		units    int
		last     string // the last segment's text, when the example says
	}{
		{"GSM-7 with escape characters in one segment", "{" + digits(2, 158), GSM7, 1, 160, ""},
		{"GSM-7 with escape characters in two segments", "{" + digits(2, 159), GSM7, 2, 161, ""},
		{"UCS-2 message in one segment", "😜" + digits(2, 68), UCS2, 1, 70, ""},
		{"UCS-2 message in two segments", "😜" + digits(2, 69), UCS2, 2, 71, ""},
		{"GSM-7 in three segments, the last one character", digits(1, 307), GSM7, 3, 307, "7"},
		{"UCS-2 in three segments, the last one character", "😜" + digits(2, 133), UCS2, 3, 135, "4"},
		{"152 GSM-7 characters and one unicode character", digits(1, 152) + "ã", UCS2, 3, 153, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			enc, segs, units := Count(c.body)
			if enc != c.encoding || segs != c.segments || units != c.units {
				t.Fatalf("Count = %s, %d segments, %d units; Twilio says %s, %d, %d", enc, segs, units, c.encoding, c.segments, c.units)
			}
			parts := Split(c.body)
			if len(parts) != c.segments || strings.Join(parts, "") != c.body {
				t.Fatalf("Split = %d parts that join to the body: %v", len(parts), strings.Join(parts, "") == c.body)
			}
			if c.last != "" && parts[len(parts)-1] != c.last {
				t.Fatalf("last segment %q, want %q", parts[len(parts)-1], c.last)
			}
		})
	}
}

// The sizes at each edge: 160/153 septets, 70/67 code units.
func TestCountEdges(t *testing.T) {
	cases := []struct {
		body     string
		encoding string
		segments int
	}{
		{"", GSM7, 1},
		{digits(0, 160), GSM7, 1},
		{digits(0, 161), GSM7, 2},
		{digits(0, 306), GSM7, 2},
		{digits(0, 307), GSM7, 3},
		{"não" + digits(0, 67), UCS2, 1},  // 70 code units
		{"não" + digits(0, 68), UCS2, 2},  // 71
		{"não" + digits(0, 131), UCS2, 2}, // 134 = 2 × 67
		{"não" + digits(0, 132), UCS2, 3},
	}
	for _, c := range cases {
		if enc, segs, _ := Count(c.body); enc != c.encoding || segs != c.segments {
			t.Errorf("Count(%d bytes %.12q…) = %s, %d; want %s, %d", len(c.body), c.body, enc, segs, c.encoding, c.segments)
		}
	}
}

// Each extension-table character takes two septets, the basic set one;
// every Portuguese accent but é, É, à and Ç forces UCS-2.
func TestAlphabet(t *testing.T) {
	for _, r := range "^{}\\[~]|€\f" {
		if _, _, units := Count(string(r)); units != 2 {
			t.Errorf("%q takes %d septets, want 2 (extension table)", r, units)
		}
	}
	for _, r := range "@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ¤¡ÄÖÑÜ§¿äöñüà\n\r" {
		if enc, _, units := Count(string(r)); enc != GSM7 || units != 1 {
			t.Errorf("%q: %s, %d septets; want gsm7, 1 (basic set)", r, enc, units)
		}
	}
	for _, r := range "ãõáíóúâêôçÁÍÓÚÃÕÂÊÔ“”‘’–—…" + "\u00a0" + "😀" {
		if enc := Encoding(string(r)); enc != UCS2 {
			t.Errorf("%q: %s, want ucs2 (not in GSM 03.38)", r, enc)
		}
	}
}

// A segment boundary never cuts an escape sequence or a surrogate pair:
// the pair that would straddle it starts the next segment.
func TestSplitKeepsPairsWhole(t *testing.T) {
	gsm := digits(0, 152) + "€" + digits(0, 10) // € would take septets 153 and 154
	parts := Split(gsm)
	if len(parts) != 2 || !strings.HasPrefix(parts[1], "€") || len(parts[0]) != 152 {
		t.Fatalf("escape split: %d parts, second starts %.3q, first %d chars", len(parts), parts[1], len(parts[0]))
	}
	ucs := digits(0, 66) + "😀" + digits(0, 10) // the emoji would take code units 67 and 68
	parts = Split(ucs)
	if len(parts) != 2 || !strings.HasPrefix(parts[1], "😀") {
		t.Fatalf("surrogate split: %v", parts)
	}
	for _, p := range parts {
		if n := len(utf16.Encode([]rune(p))); n > UCS2Part {
			t.Fatalf("a segment of %d code units", n)
		}
	}
	if _, segs, units := Count(ucs); segs != 2 || units != 78 {
		t.Fatalf("Count = %d segments, %d units; want 2, 78", segs, units)
	}
}

// Folding to GSM-7 keeps what the alphabet has, takes the accents off the
// rest, replaces typographic marks and drops what has no twin.
func TestToGSM(t *testing.T) {
	cases := []struct{ in, want string }{
		{"Olá, João! Sua conta não venceu.", "Ola, Joao! Sua conta nao venceu."},
		{"Ação, opções, Conceição, PRESTAÇÃO", "Acao, opcoes, Conceicao, PRESTAÇAO"},
		{"você, três, avô, pôr, Ícaro, último", "voce, tres, avo, por, Icaro, ultimo"},
		{"é, É, à, ü, ñ, Ç stay: café à ñandú", "é, É, à, ü, ñ, Ç stay: café à ñandu"},
		{"“aspas” e ‘simples’ — travessão – meia… fim", `"aspas" e 'simples' - travessao - meia... fim`},
		{"Pague hoje 👍 e fique em dia 🎉", "Pague hoje e fique em dia"},
		{"1️⃣ boleto\u00a02️⃣ PIX", "1 boleto 2 PIX"},
		{"nº 12, 1ª parcela", "no 12, 1a parcela"},
		{"R$ 1.234,56 {ok} [sim] ~ | € ^ \\", "R$ 1.234,56 {ok} [sim] ~ | € ^ \\"},
	}
	for _, c := range cases {
		got := ToGSM(c.in)
		if got != c.want {
			t.Errorf("ToGSM(%q) = %q, want %q", c.in, got, c.want)
		}
		if !IsGSM(got) {
			t.Errorf("ToGSM(%q) = %q is not all GSM-7", c.in, got)
		}
	}
}
