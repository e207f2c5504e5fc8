// Package twilio connects quita to Twilio Programmable Messaging: SMS and the
// Twilio WhatsApp sender. It receives signed webhooks (inbound messages and
// delivery status callbacks) on a Fiber router and sends through twilio-go's
// CreateMessage. Everything Twilio-specific stays here; the rest of quita
// sees channels.Inbound, channels.Outbound and channels.StatusUpdate.
package twilio

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/twilio/twilio-go/client"

	"github.com/quita-bot/quita/channels"
)

// Routes mounted by Register, relative to the root of QUITA_PUBLIC_URL.
const (
	InboundPath = "/webhooks/twilio"
	StatusPath  = "/webhooks/twilio/status"
)

// DefaultMaxBody is the webhook body limit when Config.MaxBody is zero.
// Twilio's form posts are a few KiB even with ten media URLs.
const DefaultMaxBody = 64 << 10

// DefaultAPIURL is Twilio's REST API, where twilio-go sends by default.
const DefaultAPIURL = "https://api.twilio.com"

// Config is the Twilio part of quita's configuration; the caller fills it
// from the environment variables named on each field.
type Config struct {
	AccountSID   string // TWILIO_ACCOUNT_SID: AC followed by 32 hex digits
	AuthToken    string // TWILIO_AUTH_TOKEN: signs webhooks and authenticates REST calls
	From         string // TWILIO_FROM: SMS sender (+E.164) or Messaging Service SID (MG…); empty disables SMS
	WhatsAppFrom string // TWILIO_WHATSAPP_FROM: WhatsApp sender (whatsapp:+E.164); empty disables Twilio WhatsApp
	APIURL       string // TWILIO_API_URL: REST base URL override (tests, gateways); default https://api.twilio.com
	PublicURL    string // QUITA_PUBLIC_URL: where Twilio reaches this server's root, e.g. https://quita.example.com
	MaxBody      int    // webhook body limit in bytes; 0 means DefaultMaxBody
}

// Twilio is the provider: it serves the webhooks of both Twilio channel
// names and sends for both. Use ChannelFor to get a channels.Channel per name.
type Twilio struct {
	sid, token   string
	validator    client.RequestValidator
	from         string   // +E.164, or empty when From is a Messaging Service
	service      string   // MG… Messaging Service SID, or empty
	whatsappFrom string   // whatsapp:+E.164, or empty
	apiURL       *url.URL // TWILIO_API_URL; nil sends where twilio-go does (honouring TWILIO_EDGE, TWILIO_REGION)
	publicURL    string   // without trailing slash
	maxBody      int
	media        channels.Media
	window       Window // nil: free-form WhatsApp is always tried
	log          *slog.Logger
	now          func() time.Time
	timeout      time.Duration // per REST call
}

var (
	accountSIDPattern = regexp.MustCompile(`^AC[0-9a-fA-F]{32}$`)
	serviceSIDPattern = regexp.MustCompile(`^MG[0-9a-fA-F]{32}$`)
	// twilio-go refuses credentials that are not alphanumeric (error 21224).
	alphanumeric = regexp.MustCompile(`^[A-Za-z0-9]+$`)
)

// New validates cfg and returns the provider. Every problem found is
// reported at once, each naming its environment variable and the fix.
func New(cfg Config, media channels.Media, log *slog.Logger) (*Twilio, error) {
	if log == nil {
		log = slog.Default()
	}
	t := &Twilio{
		sid:     strings.TrimSpace(cfg.AccountSID),
		token:   strings.TrimSpace(cfg.AuthToken),
		maxBody: cfg.MaxBody,
		media:   media,
		log:     log.With("channel", "twilio"),
		now:     time.Now,
		timeout: 15 * time.Second,
	}
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	switch {
	case t.sid == "":
		bad("TWILIO_ACCOUNT_SID is empty: set it to your Account SID (AC followed by 32 hex digits) from the Twilio Console")
	case !accountSIDPattern.MatchString(t.sid):
		bad("TWILIO_ACCOUNT_SID %q is not an Account SID: copy the one that starts with AC (34 characters) from the Twilio Console", t.sid)
	}
	switch {
	case t.token == "":
		bad("TWILIO_AUTH_TOKEN is empty: set it to the Auth Token shown next to the Account SID in the Twilio Console")
	case !alphanumeric.MatchString(t.token):
		bad("TWILIO_AUTH_TOKEN has characters other than letters and digits: copy the Auth Token again from the Twilio Console")
	}

	if from := strings.TrimSpace(cfg.From); from != "" {
		if serviceSIDPattern.MatchString(from) {
			t.service = from
		} else if e164, err := channels.NormalizePhone(from); err != nil || strings.Contains(from, ":") {
			bad("TWILIO_FROM %q is neither a phone number nor a Messaging Service SID: write it as +5511987650001 or MG followed by 32 hex digits", from)
		} else {
			t.from = e164
		}
	}
	if wa := strings.TrimSpace(cfg.WhatsAppFrom); wa != "" {
		if e164, err := channels.NormalizePhone(strings.TrimPrefix(wa, "whatsapp:")); err != nil {
			bad("TWILIO_WHATSAPP_FROM %q is not a WhatsApp sender: write it as whatsapp:+14155238886 (%v)", wa, err)
		} else {
			t.whatsappFrom = "whatsapp:" + e164
		}
	}
	if strings.TrimSpace(cfg.From) == "" && strings.TrimSpace(cfg.WhatsAppFrom) == "" {
		bad("neither TWILIO_FROM nor TWILIO_WHATSAPP_FROM is set: set TWILIO_FROM=+15005550006 for SMS and/or TWILIO_WHATSAPP_FROM=whatsapp:+14155238886 for WhatsApp")
	}

	if api := strings.TrimSpace(cfg.APIURL); api != "" && api != DefaultAPIURL {
		if u, err := url.Parse(api); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" {
			bad("TWILIO_API_URL %q is not an http(s) base URL: leave it empty for %s or write it as https://gateway.example.com", api, DefaultAPIURL)
		} else {
			u.Path = strings.TrimSuffix(u.Path, "/")
			t.apiURL = u
		}
	}

	pub := strings.TrimSuffix(strings.TrimSpace(cfg.PublicURL), "/")
	if pub == "" {
		bad("QUITA_PUBLIC_URL is empty: set it to the https URL where Twilio reaches this server (e.g. https://quita.example.com); webhook signatures are checked against it")
	} else if u, err := url.Parse(pub); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		bad("QUITA_PUBLIC_URL %q is not an absolute http(s) URL without query: write it as https://quita.example.com", cfg.PublicURL)
	}
	t.publicURL = pub

	if cfg.MaxBody < 0 {
		bad("the Twilio webhook body limit is negative (%d): use 0 for the default of %d bytes", cfg.MaxBody, DefaultMaxBody)
	} else if cfg.MaxBody == 0 {
		t.maxBody = DefaultMaxBody
	}
	if media == nil {
		bad("twilio.New needs the media store (channels.Media) to turn attachments into signed URLs")
	}
	t.validator = client.NewRequestValidator(t.token)
	if len(errs) > 0 {
		return nil, fmt.Errorf("twilio config: %w", errors.Join(errs...))
	}
	return t, nil
}

// Window tells when a person last wrote to us (the WhatsApp 24-hour
// customer-service window); the bot implements it from its transcripts.
// phone is E.164. A zero time means never.
type Window interface {
	LastInbound(ctx context.Context, phone string) (time.Time, error)
}

// ServiceWindow is WhatsApp's customer-service window: free-form messages
// may be sent until 24 hours after the person's last message.
const ServiceWindow = 24 * time.Hour

// SetWindow makes the WhatsApp sender honour the 24-hour window: outside
// it a message goes as its template's ContentSid, or not at all. Without
// a window every message is tried free-form and Twilio's 63016 says when
// that was too late.
func (t *Twilio) SetWindow(w Window) { t.window = w }

// ChannelFor returns the channel for channels.SMS or channels.TwilioWhatsApp,
// or nil when that name is not Twilio's or its sender is not configured.
func (t *Twilio) ChannelFor(name string) channels.Channel {
	switch {
	case name == channels.SMS && (t.from != "" || t.service != ""):
	case name == channels.TwilioWhatsApp && t.whatsappFrom != "":
	default:
		return nil
	}
	return channel{t: t, name: name}
}

// Channels returns the configured channels: SMS, Twilio WhatsApp, or both.
func (t *Twilio) Channels() []channels.Channel {
	var out []channels.Channel
	for _, name := range []string{channels.SMS, channels.TwilioWhatsApp} {
		if c := t.ChannelFor(name); c != nil {
			out = append(out, c)
		}
	}
	return out
}

// channel is one of the two names Twilio serves; it pins Outbound.Channel.
type channel struct {
	t    *Twilio
	name string
}

func (c channel) Name() string { return c.name }

func (c channel) Send(ctx context.Context, msg channels.Outbound) (channels.SendResult, error) {
	msg.Channel = c.name
	return c.t.Send(ctx, msg)
}

// statusCallbackURL is where Twilio posts delivery statuses of what we send.
func (t *Twilio) statusCallbackURL() string { return t.publicURL + StatusPath }

// channelOf names the channel of a Twilio address pair: WhatsApp addresses
// carry the whatsapp: prefix.
func channelOf(addrs ...string) string {
	for _, a := range addrs {
		if strings.HasPrefix(a, "whatsapp:") {
			return channels.TwilioWhatsApp
		}
	}
	return channels.SMS
}
