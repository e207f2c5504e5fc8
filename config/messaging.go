package config

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/quita-bot/quita/channels"
)

// SMS encodings a creditor sends in (sms_encoding:). With gsm, SMS text is
// folded to the GSM-7 alphabet before it is counted and sent (accents off,
// typographic marks replaced, emoji dropped: channels/sms.ToGSM), so that
// a segment carries 160 characters instead of 70; with unicode (the
// default) it goes as written, in UCS-2 whenever it has a letter GSM-7
// lacks (ã, ç, í…).
const (
	SMSUnicode = "unicode"
	SMSGSM     = "gsm"
)

// SMSEncoding is the creditor's SMS encoding; unicode when unset (and for
// a value MessagingProblems reports).
func (d *Directory) SMSEncoding(creditor string) string {
	if c, ok := d.Section(creditor); ok && c.SMSEncoding == SMSGSM {
		return SMSGSM
	}
	return SMSUnicode
}

// Prices is a creditor's `prices:` section: what its providers charge per
// message, in its currency (the invoice's). SMS is billed per segment;
// WhatsApp on the Cloud API and Twilio per template message by its
// category, and a free-form message inside the 24-hour window at the
// `service` price (0: Meta does not charge it).
//
//	prices: {currency: BRL, sms_segment: 0.07, whatsapp: {utility: 0.04, marketing: 0.32, authentication: 0.03, service: 0}}
type Prices struct {
	Currency   string             `yaml:"currency"`
	SMSSegment float64            `yaml:"sms_segment"`
	WhatsApp   map[string]float64 `yaml:"whatsapp"`
}

// CategoryService prices a free-form WhatsApp message (inside the window).
const CategoryService = "service"

var currencyCode = regexp.MustCompile(`^[A-Z]{3}$`)

// prices decodes the section; nil when there is none.
func (c Creditor) prices() (*Prices, error) {
	if c.Prices.Kind == 0 {
		return nil, nil
	}
	var p Prices
	if err := c.Prices.Decode(&p); err != nil {
		return nil, fmt.Errorf("prices: %w (write prices: {currency: BRL, sms_segment: 0.07, whatsapp: {utility: 0.04, marketing: 0.32, authentication: 0.03, service: 0}})", err)
	}
	if p.Currency == "" {
		p.Currency = "BRL"
	}
	if !currencyCode.MatchString(p.Currency) {
		return nil, fmt.Errorf("prices: currency %q: use an ISO 4217 code such as BRL or USD", p.Currency)
	}
	if p.SMSSegment < 0 {
		return nil, fmt.Errorf("prices: sms_segment %v is negative", p.SMSSegment)
	}
	known := []string{channels.CategoryUtility, channels.CategoryMarketing, channels.CategoryAuthentication, CategoryService}
	for _, cat := range sortedKeys(p.WhatsApp) {
		switch {
		case !slices.Contains(known, cat):
			return nil, fmt.Errorf("prices: whatsapp: %q is no category: use %s", cat, strings.Join(known, ", "))
		case p.WhatsApp[cat] < 0:
			return nil, fmt.Errorf("prices: whatsapp: %s %v is negative", cat, p.WhatsApp[cat])
		}
	}
	return &p, nil
}

func sortedKeys(m map[string]float64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// MessageCost is what one message sent costs the creditor, in millionths
// of its currency: an SMS its segments at the sms_segment price; a
// WhatsApp message by the Cloud API or Twilio its template's category
// price, or the service price when it went free-form; WhatsApp Web and the
// simulator nothing. ok is false for a creditor without prices.
func (d *Directory) MessageCost(creditor, channel, category string, smsSegments int) (micros int64, currency string, ok bool) {
	p, ok := d.prices[creditor]
	if !ok {
		return 0, "", false
	}
	var price float64
	switch channel {
	case channels.SMS:
		price = p.SMSSegment * float64(smsSegments)
	case channels.WhatsAppCloud, channels.TwilioWhatsApp:
		if category == "" {
			category = CategoryService
		}
		price = p.WhatsApp[category]
	}
	return int64(math.Round(price * 1e6)), p.Currency, true
}

// MessagingProblems lists each creditor's sms_encoding and prices: that
// quita cannot read, as errors: it would otherwise send or count otherwise
// than the creditor asked.
func (d *Directory) MessagingProblems() []Problem {
	var out []Problem
	for _, c := range d.file.Creditors {
		switch c.SMSEncoding {
		case "", SMSGSM, SMSUnicode:
		default:
			out = append(out, Problem{Creditor: c.ID, Severity: SevError,
				Text: fmt.Sprintf("sms_encoding %q: use gsm (fold SMS text to GSM-7: 160 characters a segment) or unicode (send as written, the default)", c.SMSEncoding)})
		}
		if _, err := c.prices(); err != nil {
			out = append(out, Problem{Creditor: c.ID, Severity: SevError, Text: err.Error()})
		}
	}
	return out
}
