package bot

import (
	"slices"
	"strings"

	"github.com/quita-bot/quita/channels"
	"github.com/quita-bot/quita/channels/sms"
	"github.com/quita-bot/quita/storage"
)

// Messaging is what the bot asks a creditor's configuration about the
// messages it sends (config.Directory has it; a Directory without it sends
// SMS as written and records no cost).
type Messaging interface {
	// SMSEncoding is "gsm" (fold SMS text to GSM-7) or "unicode".
	SMSEncoding(creditor string) string
	// MessageCost is what one message sent costs, in millionths of the
	// currency; ok is false for a creditor without prices.
	MessageCost(creditor, channel, category string, smsSegments int) (micros int64, currency string, ok bool)
}

// smsGSM is the SMSEncoding that folds SMS text to GSM-7 (config.SMSGSM).
const smsGSM = "gsm"

// smsText is the text an SMS of the creditor's says: folded to the GSM-7
// alphabet when the creditor sends in gsm, before it is counted and sent.
// A PIX copia-e-cola is never touched: its CRC covers every character.
func (b *Bot) smsText(creditor, text string) string {
	if b.messaging == nil || b.messaging.SMSEncoding(creditor) != smsGSM || isPixPayload(text) {
		return text
	}
	return sms.ToGSM(text)
}

// isPixPayload reports whether a text is a PIX BR Code (copia-e-cola):
// every one begins with its Payload Format Indicator, ID 00 = "01" (Manual
// do BR Code, BCB, section 3.1: "000201").
func isPixPayload(text string) bool { return strings.HasPrefix(text, "000201") }

// cost is what a send the provider accepted costs the creditor (see
// Messaging.MessageCost); category is the template's, "" when free-form.
func (b *Bot) cost(o storage.Outbound, category string) (int64, string) {
	if b.messaging == nil {
		return 0, ""
	}
	segments := 0
	if isSMS(o) {
		_, segments, _ = sms.Count(o.Text)
	}
	micros, currency, ok := b.messaging.MessageCost(o.Creditor, o.Channel, category, segments)
	if !ok {
		return 0, ""
	}
	return micros, currency
}

// isSMS reports whether an outbound message is an SMS with text: what is
// billed per segment (channels/sms.Count).
func isSMS(o storage.Outbound) bool { return o.Channel == channels.SMS && o.Text != "" }

// fallsBackBySMS reports whether SMS is among a message's fallback channels,
// so that it keeps its SMS form (storage.Outbound.SMSText).
func fallsBackBySMS(o storage.Outbound) bool {
	return o.SMSText != "" && slices.Contains(strings.Split(o.Fallback, ","), channels.SMS)
}
