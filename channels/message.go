// Package channels holds the message model shared by every provider and the
// small interfaces a provider implements. It imports no provider SDK: each
// provider lives in its own sub-package (simulator, twilio, whatsapp,
// whatsappcloud) and the rest of quita sees only these plain values.
package channels

import (
	"context"
	"time"
)

// Channel names as they appear in transcripts, config and metrics.
const (
	Simulator      = "simulator"       // the web chat simulator
	SMS            = "sms"             // Twilio Programmable Messaging, SMS
	TwilioWhatsApp = "twilio_whatsapp" // Twilio Programmable Messaging, WhatsApp sender
	WhatsApp       = "whatsapp"        // WhatsApp Web multi-device via whatsmeow
	WhatsAppCloud  = "whatsapp_cloud"  // Meta WhatsApp Cloud API
)

// IsWhatsApp reports whether the channel delivers through WhatsApp, whichever provider.
func IsWhatsApp(channel string) bool {
	return channel == WhatsApp || channel == WhatsAppCloud || channel == TwilioWhatsApp
}

// Attachment kinds.
const (
	KindImage    = "image"
	KindDocument = "document"
	KindAudio    = "audio"
	KindVideo    = "video"
)

// Attachment is a media item on a message. Inbound attachments carry the
// provider's URL or id; outbound ones carry a MediaID from the quita media
// store (see Media), which each provider turns into an upload or a signed URL.
type Attachment struct {
	Kind        string `json:"kind"`
	ContentType string `json:"content_type,omitempty"`
	Filename    string `json:"filename,omitempty"`
	URL         string `json:"url,omitempty"`
	MediaID     string `json:"media_id,omitempty"`
	Caption     string `json:"caption,omitempty"`
}

// Inbound is one message a person sent us, normalised from any provider.
type Inbound struct {
	Channel     string       `json:"channel"`
	From        string       `json:"from"` // E.164, e.g. +5511987650001
	To          string       `json:"to,omitempty"`
	Text        string       `json:"text,omitempty"`
	Attachments []Attachment `json:"attachments,omitempty"`
	ProviderID  string       `json:"provider_id"` // unique per provider; used to dedupe
	ProfileName string       `json:"profile_name,omitempty"`
	ReplyTo     string       `json:"reply_to,omitempty"` // provider id of the message answered
	FromMe      bool         `json:"from_me,omitempty"`  // sent from our own number by a person (whatsmeow IsFromMe)
	At          time.Time    `json:"at"`

	// Payload is what a tapped quick-reply button carries (Meta's
	// button.payload or interactive reply id, Twilio's ButtonPayload);
	// quita sets it to the intent the button stands for.
	Payload string `json:"payload,omitempty"`
}

// Template is an approved WhatsApp message template, sent instead of the
// free-form text outside the 24-hour customer-service window: by its Name
// and Language on the Cloud API, by its ContentSID on Twilio.
type Template struct {
	Key        string   `json:"key,omitempty"` // the catalog key it stands for (reminder.before.a)
	Name       string   `json:"name,omitempty"`
	Language   string   `json:"language,omitempty"` // Meta's code: pt_BR, es, en_US
	Category   string   `json:"category,omitempty"` // utility | marketing | authentication
	Params     []string `json:"params,omitempty"`   // body parameters {{1}}, {{2}}… in order
	Buttons    []string `json:"buttons,omitempty"`  // quick-reply payloads, in button order
	ContentSID string   `json:"content_sid,omitempty"`
}

// Template categories (Meta prices a template message by its category).
const (
	CategoryUtility        = "utility"
	CategoryMarketing      = "marketing"
	CategoryAuthentication = "authentication"
)

// CodeTemplateNeeded is the PermanentError code of a WhatsApp message that
// may not go free-form (the person last wrote more than 24 hours ago, or
// never) and has no usable template for its provider.
const CodeTemplateNeeded = "template_needed"

// templateNeeded are the provider codes that mean the same: the message
// needs an approved template that was not there or not usable. Retrying it
// as it is can only fail again.
var templateNeeded = map[string]bool{
	CodeTemplateNeeded: true,
	"63016":            true, // Twilio: free-form message outside the allowed window
	"131047":           true, // Meta: re-engagement message, more than 24 hours since the last reply
	"132001":           true, // Meta: template name does not exist in that translation
	"132015":           true, // Meta: template is paused for low quality
	"132016":           true, // Meta: template is disabled
}

// TemplateNeeded reports whether a failure code says the message needs an
// (other) approved template rather than another attempt.
func TemplateNeeded(code string) bool { return templateNeeded[code] }

// Outbound is one message we send.
type Outbound struct {
	ID             string       `json:"id"` // quita's own id, unique
	Channel        string       `json:"channel"`
	To             string       `json:"to"` // E.164
	Text           string       `json:"text,omitempty"`
	Attachments    []Attachment `json:"attachments,omitempty"`
	Template       *Template    `json:"template,omitempty"`
	ConversationID string       `json:"conversation_id,omitempty"`
	Origin         string       `json:"origin,omitempty"` // reply | reminder | agent
}

// Delivery statuses, Twilio's vocabulary (the richest of the providers).
const (
	StatusQueued      = "queued"
	StatusSending     = "sending"
	StatusSent        = "sent"
	StatusDelivered   = "delivered"
	StatusRead        = "read"
	StatusUndelivered = "undelivered"
	StatusFailed      = "failed"
	StatusReceived    = "received"
	StatusBlocked     = "blocked" // held back by the compliance gate
)

// SendResult is what a provider says when it accepted a message.
type SendResult struct {
	ProviderID string `json:"provider_id"`
	Status     string `json:"status"`
	// Template is set when the message went as its template (outside the
	// service window), so that the transcript records what was billed.
	Template *Template `json:"template,omitempty"`
}

// StatusUpdate is a delivery status reported later by a provider.
type StatusUpdate struct {
	Channel      string    `json:"channel"`
	ProviderID   string    `json:"provider_id"`
	Status       string    `json:"status"`
	ErrorCode    string    `json:"error_code,omitempty"`
	ErrorMessage string    `json:"error_message,omitempty"`
	At           time.Time `json:"at"`
}

// Channel sends messages through one provider.
type Channel interface {
	Name() string
	Send(ctx context.Context, msg Outbound) (SendResult, error)
}

// Sink receives what providers hear. The bot implements it.
type Sink interface {
	// Accept returns only once the message is durable (written to the inbound
	// stream); a provider acknowledges its webhook after Accept returns nil.
	Accept(ctx context.Context, msg Inbound) error
	// UpdateStatus records a delivery status for a message we sent.
	UpdateStatus(ctx context.Context, st StatusUpdate) error
}

// MediaFile is a stored media item.
type MediaFile struct {
	ContentType string
	Filename    string
	Data        []byte
}

// Media is the store of outbound media (boleto PDFs, PIX QR images).
type Media interface {
	Open(ctx context.Context, id string) (MediaFile, error)
	// URL returns a public, unguessable, expiring link to the media, for
	// providers that fetch media by URL (Twilio).
	URL(id string) string
}

// PermanentError marks a send failure that retrying will not fix (bad
// number, opt-out at the provider, banned sender).
type PermanentError struct {
	Code string
	Err  error
}

func (e *PermanentError) Error() string { return "permanent: " + e.Code + ": " + e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }
