package locales

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/quita-bot/quita/channels/sms"
)

// longest are the longest realistic values (LongestValues), the plans
// written in their SMS form.
func longest(lang string, accented bool) map[string]any { return LongestValues(SMS, lang, accented) }

// reminder and part: IsReminder, IsPart.
func reminder(key string) bool { return IsReminder(key) }
func part(key string) bool     { return IsPart(key) }

// TestSMSFits renders every message in every language as it goes by SMS,
// with the longest realistic values, and counts its segments the way the
// carrier bills them (channels/sms): a bot answer fits in 2 segments and a
// reminder in 1, both for a creditor who sends in gsm (the text folded to
// GSM-7, as the bot does) and in unicode. In unicode a reminder is 1
// segment when its values are in the GSM-7 alphabet (its own words always
// are, checked below) and 2 when a name has ã, ç, í…: 70 UCS-2 units cannot
// hold a name, a creditor, its CNPJ (CDC art. 42-A), an amount and a date.
// That second segment is what sms_encoding: gsm saves.
//
// Not counted here: a PIX copia-e-cola and a boleto's linha digitável, sent
// alone after their intro so that a long press copies them. They are
// payloads, never shortened or folded (a BR Code carries its own CRC), and
// a PIX code of 100–200 characters is 1–2 GSM-7 segments by itself.
func TestSMSFits(t *testing.T) {
	for _, lang := range Languages() {
		for _, key := range Keys(Default) {
			if part(key) {
				continue
			}
			for _, accented := range []bool{false, true} {
				text := TForm(SMS, lang, key, longest(lang, accented))
				for _, mode := range []string{"unicode", "gsm"} {
					body := text
					if mode == "gsm" {
						body = sms.ToGSM(text)
					}
					enc, segs, units := sms.Count(body)
					limit := 2
					if reminder(key) && (mode == "gsm" || !accented) {
						limit = 1
					}
					if segs > limit {
						t.Errorf("%s %s (%s, accented %v): %d segments (%s, %d units), want at most %d:\n%s",
							lang, key, mode, accented, segs, enc, units, limit, body)
					}
				}
			}
		}
	}
}

// TestSMSForms checks the SMS catalogs: every key is one the main catalog
// has, every language has the same keys, an SMS form writes only facts its
// main form writes and keeps the ones that matter (who is writing, what is
// owed, until when), holds no menu art (line breaks, emoji), and a
// reminder's own words are all GSM-7.
func TestSMSForms(t *testing.T) {
	kept := []string{".creditor", ".cnpj", ".amount", ".due", ".total", ".plan", ".first_due", ".date", ".n", ".value", ".options"}
	want := keysOf(smsForms[Default])
	if len(want) < 20 {
		t.Fatalf("the default SMS catalog has only %d keys", len(want))
	}
	for _, lang := range Languages() {
		if got := keysOf(smsForms[lang]); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s.sms.json keys %v, %s.sms.json %v", lang, got, Default, want)
		}
		for key, tpl := range smsForms[lang] {
			main, ok := catalogs[lang][key]
			if !ok {
				t.Errorf("%s.sms.json has %q, which %s.json lacks", lang, key, lang)
				continue
			}
			got, full := placeholders(tpl.Root.String()), placeholders(main.Root.String())
			for _, p := range got {
				if !slices.Contains(full, p) {
					t.Errorf("%s %q: the SMS form writes %s, its main form does not", lang, key, p)
				}
			}
			for _, p := range kept {
				if slices.Contains(full, p) && !slices.Contains(got, p) {
					t.Errorf("%s %q: the SMS form drops %s", lang, key, p)
				}
			}
			raw := tpl.Root.String()
			if strings.Contains(raw, "\n") || strings.ContainsAny(raw, "👉✅📄💳🙂😊") {
				t.Errorf("%s %q: menu art in an SMS form: %q", lang, key, raw)
			}
			if reminder(key) && !sms.IsGSM(placeholder.ReplaceAllString(raw, "")) {
				t.Errorf("%s %q: a reminder's SMS form has letters outside GSM-7: %q", lang, key, raw)
			}
		}
	}
}

func keysOf(c catalog) []string {
	out := make([]string, 0, len(c))
	for k := range c {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
