// Package whatsappcloud connects quita to Meta's WhatsApp Cloud API: the
// signed webhook (verification handshake, inbound messages, delivery
// statuses) on a Fiber router, and sending through the Graph API with a
// plain net/http client, honouring the 24-hour customer-service window.
// Everything Meta-specific stays here; the rest of quita sees channels values.
package whatsappcloud

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/quita-bot/quita/channels"
)

// WebhookPath is where Register mounts the webhook (GET handshake, POST events).
const WebhookPath = "/webhooks/whatsapp-cloud"

// DefaultAPIURL is the Graph API version quita is written against.
const DefaultAPIURL = "https://graph.facebook.com/v21.0"

// DefaultMaxBody is the webhook body limit when Config.MaxBody is zero. Meta
// batches at most a handful of messages per post.
const DefaultMaxBody = 64 << 10

// ServiceWindow is WhatsApp's customer-service window: free-form messages
// may be sent until 24 hours after the person's last message; after that
// only approved templates.
const ServiceWindow = 24 * time.Hour

// Config is the Cloud API part of quita's configuration; the caller fills it
// from the environment variables named on each field.
type Config struct {
	Token       string // WHATSAPP_CLOUD_TOKEN: a system-user access token with whatsapp_business_messaging
	PhoneID     string // WHATSAPP_CLOUD_PHONE_ID: the business phone number ID (digits, not the number)
	APIURL      string // WHATSAPP_CLOUD_API_URL: Graph API base; default https://graph.facebook.com/v21.0
	VerifyToken string // WHATSAPP_CLOUD_VERIFY_TOKEN: the string typed into the app's webhook settings
	AppSecret   string // WHATSAPP_CLOUD_APP_SECRET: the Meta app secret that signs webhook posts
	MaxBody     int    // webhook body limit in bytes; 0 means DefaultMaxBody
}

// Window tells when a person last wrote to us; the bot implements it from
// its transcripts. phone is E.164. A zero time means never.
type Window interface {
	LastInbound(ctx context.Context, phone string) (time.Time, error)
}

// Cloud is the WhatsApp Cloud API channel.
type Cloud struct {
	token       string
	phoneID     string
	apiURL      string // without trailing slash
	verifyToken string
	appSecret   []byte
	maxBody     int
	media       channels.Media
	window      Window
	now         func() time.Time
	http        *http.Client
	log         *slog.Logger
}

var digits = regexp.MustCompile(`^[0-9]+$`)

// New validates cfg and returns the channel. window answers when a person
// last wrote (for the 24-hour rule); clock is time.Now when nil. Every
// problem found is reported at once, each naming its variable and the fix.
func New(cfg Config, media channels.Media, window Window, clock func() time.Time, log *slog.Logger) (*Cloud, error) {
	if log == nil {
		log = slog.Default()
	}
	if clock == nil {
		clock = time.Now
	}
	c := &Cloud{
		token:       strings.TrimSpace(cfg.Token),
		phoneID:     strings.TrimSpace(cfg.PhoneID),
		verifyToken: cfg.VerifyToken,
		appSecret:   []byte(cfg.AppSecret),
		maxBody:     cfg.MaxBody,
		media:       media,
		window:      window,
		now:         clock,
		http:        &http.Client{Timeout: 60 * time.Second},
		log:         log.With("channel", channels.WhatsAppCloud),
	}
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	if c.token == "" {
		bad("WHATSAPP_CLOUD_TOKEN is empty: create a system-user access token with the whatsapp_business_messaging permission in Meta Business Settings")
	}
	switch {
	case c.phoneID == "":
		bad("WHATSAPP_CLOUD_PHONE_ID is empty: copy the Phone number ID (digits) from WhatsApp > API Setup in the Meta app dashboard")
	case !digits.MatchString(c.phoneID):
		bad("WHATSAPP_CLOUD_PHONE_ID %q is not a phone number ID: use the numeric ID from WhatsApp > API Setup, not the phone number itself", c.phoneID)
	}
	api := strings.TrimSuffix(strings.TrimSpace(cfg.APIURL), "/")
	if api == "" {
		api = DefaultAPIURL
	}
	if u, err := url.Parse(api); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" {
		bad("WHATSAPP_CLOUD_API_URL %q is not an http(s) base URL: leave it empty for %s", cfg.APIURL, DefaultAPIURL)
	}
	c.apiURL = api
	if strings.TrimSpace(cfg.VerifyToken) == "" {
		bad("WHATSAPP_CLOUD_VERIFY_TOKEN is empty: choose a random string and type the same into the Verify token field of the app's WhatsApp webhook settings")
	}
	if cfg.AppSecret == "" {
		bad("WHATSAPP_CLOUD_APP_SECRET is empty: copy the App secret from App settings > Basic in the Meta app dashboard; it signs every webhook post")
	}
	if cfg.MaxBody < 0 {
		bad("the WhatsApp Cloud webhook body limit is negative (%d): use 0 for the default of %d bytes", cfg.MaxBody, DefaultMaxBody)
	} else if cfg.MaxBody == 0 {
		c.maxBody = DefaultMaxBody
	}
	if media == nil {
		bad("whatsappcloud.New needs the media store (channels.Media) to upload documents and images")
	}
	if window == nil {
		bad("whatsappcloud.New needs a Window (last inbound time per number) to honour the 24-hour rule")
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("whatsapp cloud config: %w", errors.Join(errs...))
	}
	return c, nil
}

// Name is channels.WhatsAppCloud.
func (c *Cloud) Name() string { return channels.WhatsAppCloud }
