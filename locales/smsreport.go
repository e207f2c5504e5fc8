package locales

import (
	"strings"

	"github.com/quita-bot/quita/channels/sms"
)

// LongestValues are the longest realistic values of a message's
// placeholders: the debtor's first name (how the bot addresses them), a
// creditor's display name, a six-figure amount, a CNPJ, four plans on
// offer, the plans written in form ("" for the main form, SMS). accented
// picks a name and creditor with letters outside GSM-7 (ã, ç), which force
// UCS-2 on a creditor that sends in unicode.
func LongestValues(form, lang string, accented bool) map[string]any {
	name, creditor := "Maximiliano", "Lojas Exemplo do Brasil"
	if accented {
		name, creditor = "Conceição", "Confecções Exemplo Ltda"
	}
	due := "27/11"
	if Normalize(lang) == "en" {
		due = "Sep 27"
	}
	money := func(cents int64) string { return Money(lang, cents) }
	d := map[string]any{
		"name": name, "creditor": creditor, "cnpj": "12.345.678/0001-95",
		"phone": "(11) 93333-4444", "site": "lojasexemplo.com.br", "address": "Av. Paulista, 1000, São Paulo",
		"hours": "de segunda a sexta, das 8h às 18h", "amount": money(12345678), "due": due,
		"invoice": "NF-2026-0012345", "description": "Geladeira Frost Free 480 litros",
		"total": money(11111110), "discount": money(1234568), "n": 12, "of": 12, "value": money(1028806),
		"down": money(1234567), "first_due": due, "later": due, "latest": due, "date": due,
		"url": "https://lojasexemplo.com.br/dicas",
	}
	plan := TForm(form, lang, "offer.plan_down", d)
	d["plan"] = plan
	d["options"] = strings.Join([]string{
		"1) " + TForm(form, lang, "offer.full_discount", d),
		"2) " + plan,
		"3) " + TForm(form, lang, "offer.plan", d),
		"4) " + TForm(form, lang, "offer.plan", map[string]any{"n": 6, "value": money(2057612)}),
	}, "\n")
	return d
}

// IsReminder reports whether a key is a reminder: sent unasked, paid for
// by the creditor, one segment.
func IsReminder(key string) bool {
	return strings.HasPrefix(key, "reminder.") || key == "installment.due"
}

// IsPart reports whether a key is a part of another message (an offer
// line), not a message of its own.
func IsPart(key string) bool { return strings.HasPrefix(key, "offer.") }

// SMSCount is what one message costs by SMS, before and after the SMS
// forms: its WhatsApp text sent by SMS, and the text that goes now (its
// SMS form, or the same text when it has none).
type SMSCount struct {
	Lang     string `json:"lang"`
	Key      string `json:"key"`
	Reminder bool   `json:"reminder"`
	Encoding string `json:"encoding"` // the creditor's sms_encoding: unicode, or gsm (folded to GSM-7)
	Accented bool   `json:"accented"` // the values have letters outside GSM-7 (Conceição)
	HasForm  bool   `json:"has_sms_form"`
	Before   int    `json:"before_segments"`
	After    int    `json:"after_segments"`
}

// SMSCounts renders every message of every language both ways, with the
// longest realistic values (plain and accented), for both encodings, and
// counts its segments as the carrier bills them (channels/sms).
func SMSCounts() []SMSCount {
	var out []SMSCount
	for _, lang := range Languages() {
		for _, key := range Keys(Default) {
			if IsPart(key) {
				continue
			}
			for _, accented := range []bool{false, true} {
				before := TForm("", lang, key, LongestValues("", lang, accented))
				after := TForm(SMS, lang, key, LongestValues(SMS, lang, accented))
				for _, enc := range []string{"unicode", "gsm"} {
					b, a := before, after
					if enc == "gsm" {
						b, a = sms.ToGSM(b), sms.ToGSM(a)
					}
					_, bs, _ := sms.Count(b)
					_, as, _ := sms.Count(a)
					out = append(out, SMSCount{Lang: lang, Key: key, Reminder: IsReminder(key), Encoding: enc, Accented: accented,
						HasForm: HasForm(SMS, lang, key), Before: bs, After: as})
				}
			}
		}
	}
	return out
}
