package storage

import (
	"time"

	"github.com/quita-bot/quita/channels"
)

// Directions of a transcript message.
const (
	In  = "in"
	Out = "out"
)

// Message is one entry of a conversation's transcript.
type Message struct {
	ID           string                `json:"id"`
	Conversation string                `json:"conversation"`
	Direction    string                `json:"direction"` // in | out
	Channel      string                `json:"channel"`
	Text         string                `json:"text,omitempty"`
	Attachments  []channels.Attachment `json:"attachments,omitempty"`
	ProviderID   string                `json:"provider_id,omitempty"`
	ReplyTo      string                `json:"reply_to,omitempty"`
	Origin       string                `json:"origin,omitempty"`  // inbound: debtor | staff; outbound: reply | reminder | agent
	Author       string                `json:"author,omitempty"`  // agent email for agent messages and notes
	Private      bool                  `json:"private,omitempty"` // an agent's note, never sent
	Status       string                `json:"status,omitempty"`
	ErrorCode    string                `json:"error_code,omitempty"`
	Fallback     string                `json:"fallback,omitempty"` // channel to retry by if this one fails (comma-separated: then the next)
	At           time.Time             `json:"time"`

	// Payload is an inbound tap on a quick-reply button (channels.Inbound.Payload).
	Payload string `json:"payload,omitempty"`
	// Template and Category say which approved WhatsApp template an
	// outbound message went as (outside the 24-hour window) and its
	// category, for the cost of the message; empty when it went free-form.
	Template string `json:"template,omitempty"`
	Category string `json:"category,omitempty"`
	// SMSEncoding (gsm7 | ucs2) and SMSSegments are what an SMS is
	// billed as (channels/sms.Count), set on every outbound SMS with text.
	SMSEncoding string `json:"sms_encoding,omitempty"`
	SMSSegments int    `json:"sms_segments,omitempty"`
	// CostMicros is what the message cost the creditor, in millionths of
	// CostCurrency (its prices: section), recorded when the provider
	// accepted it: SMS segments × price, a WhatsApp template by its
	// category, 0 for free-form WhatsApp inside the 24-hour window.
	// CostCurrency is empty when the creditor has no prices.
	CostMicros   int64  `json:"cost_micros,omitempty"`
	CostCurrency string `json:"cost_currency,omitempty"`
	// SMSText is the SMS form of a message that may fall back by SMS.
	SMSText string `json:"sms_text,omitempty"`
	// Step and Variant are the cadence step and A/B variant a reminder
	// was sent under (the archive's actor of a reminder message).
	Step    string `json:"step,omitempty"`
	Variant string `json:"variant,omitempty"`
	// DebtID is the debt a reminder was about (the archive attributes its
	// cost and the debt's outcomes to its step and variant).
	DebtID string `json:"debt_id,omitempty"`
}

// statusRank orders delivery statuses so that a late "delivered" callback
// never overwrites "read".
var statusRank = map[string]int{
	channels.StatusBlocked:     1,
	channels.StatusQueued:      1,
	channels.StatusSending:     2,
	channels.StatusSent:        3,
	channels.StatusDelivered:   4,
	channels.StatusRead:        5,
	channels.StatusUndelivered: 6,
	channels.StatusFailed:      6,
	channels.StatusReceived:    4,
}

// StatusRank is the order of a status; unknown statuses rank 0.
func StatusRank(s string) int { return statusRank[s] }
