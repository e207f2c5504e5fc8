package config

import (
	"strings"
	"testing"
)

const messagingYAML = `creditors:
  - id: loja
    name: Loja
    cnpj: 11.222.333/0001-81
    sms_encoding: gsm
    prices: {currency: BRL, sms_segment: 0.07, whatsapp: {utility: 0.04, marketing: 0.32, authentication: 0.03, service: 0}}
  - {id: plain, name: Plain, cnpj: 11.222.333/0001-81}
`

func TestSMSEncodingAndPrices(t *testing.T) {
	d := NewDirectory(loadYAML(t, messagingYAML))
	if ps := d.MessagingProblems(); len(ps) != 0 {
		t.Fatalf("problems %v", ps)
	}
	if d.SMSEncoding("loja") != SMSGSM || d.SMSEncoding("plain") != SMSUnicode || d.SMSEncoding("nobody") != SMSUnicode {
		t.Fatalf("encodings %s %s %s", d.SMSEncoding("loja"), d.SMSEncoding("plain"), d.SMSEncoding("nobody"))
	}
	cases := []struct {
		channel, category string
		segments          int
		want              int64
	}{
		{"sms", "", 3, 210000},                  // 3 × R$ 0,07
		{"whatsapp_cloud", "utility", 0, 40000}, // a reminder as a utility template
		{"whatsapp_cloud", "marketing", 0, 320000},
		{"twilio_whatsapp", "authentication", 0, 30000},
		{"whatsapp_cloud", "", 0, 0}, // free-form inside the window
		{"whatsapp", "", 0, 0},       // WhatsApp Web: no Meta invoice
		{"simulator", "", 0, 0},
	}
	for _, c := range cases {
		got, cur, ok := d.MessageCost("loja", c.channel, c.category, c.segments)
		if !ok || cur != "BRL" || got != c.want {
			t.Errorf("%s %s %d: %d %s %v, want %d BRL", c.channel, c.category, c.segments, got, cur, ok, c.want)
		}
	}
	if _, _, ok := d.MessageCost("plain", "sms", "", 1); ok {
		t.Error("a creditor without prices has a cost")
	}
}

func TestMessagingProblems(t *testing.T) {
	for _, c := range []struct{ section, want string }{
		{"sms_encoding: utf8", `sms_encoding "utf8": use gsm`},
		{"sms_encoding: GSM", `sms_encoding "GSM"`},
		{"prices: {currency: reais}", `currency "reais"`},
		{"prices: {sms_segment: -1}", "sms_segment -1 is negative"},
		{"prices: {whatsapp: {promo: 0.1}}", `"promo" is no category`},
		{"prices: {sms_segment: cheap}", "prices:"},
	} {
		d := NewDirectory(loadYAML(t, "creditors:\n  - id: a\n    name: A\n    cnpj: 11.222.333/0001-81\n    "+c.section+"\n"))
		ps := d.MessagingProblems()
		if len(ps) != 1 || ps[0].Severity != SevError || ps[0].Creditor != "a" || !strings.Contains(ps[0].Text, c.want) {
			t.Errorf("%s: problems %v, want one error with %q", c.section, ps, c.want)
		}
	}
}
