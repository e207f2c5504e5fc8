package chatwoot

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// Mirror modes (QUITA_CHATWOOT_MIRROR).
const (
	// MirrorHandoffs mirrors a conversation from its handoff to a person
	// on, with what came before as one private summary note.
	MirrorHandoffs = "handoffs"
	// MirrorAll mirrors every conversation from its first message; the
	// ones the bot handles wait in Chatwoot as "pending".
	MirrorAll = "all"
)

// Config is the bridge's configuration, read from QUITA_CHATWOOT_*.
type Config struct {
	URL           string // QUITA_CHATWOOT_URL: https://chatwoot.example.com
	AccountID     int64  // QUITA_CHATWOOT_ACCOUNT_ID
	InboxID       int64  // QUITA_CHATWOOT_INBOX_ID: an API-channel inbox
	Token         string // QUITA_CHATWOOT_TOKEN: the access token quita acts with
	WebhookSecret string // QUITA_CHATWOOT_WEBHOOK_SECRET: the secret Chatwoot signs webhooks with
	Mirror        string // QUITA_CHATWOOT_MIRROR: handoffs (default) | all
	TeamID        int64  // QUITA_CHATWOOT_TEAM_ID: optional team handoffs are assigned to
}

// Enabled reports whether the bridge is configured.
func (c Config) Enabled() bool { return c.URL != "" }

// envNames are every variable of the bridge, for "set one, set all" errors.
var envNames = []string{"QUITA_CHATWOOT_URL", "QUITA_CHATWOOT_ACCOUNT_ID", "QUITA_CHATWOOT_INBOX_ID",
	"QUITA_CHATWOOT_TOKEN", "QUITA_CHATWOOT_WEBHOOK_SECRET", "QUITA_CHATWOOT_MIRROR", "QUITA_CHATWOOT_TEAM_ID"}

// ConfigFromEnv reads the bridge's variables through get (os.Getenv). With
// none set the bridge is off (the zero Config, nil error); with any set,
// every required one must be valid, and the error names each problem and
// how to fix it.
func ConfigFromEnv(get func(string) string) (Config, error) {
	any := false
	for _, n := range envNames {
		if strings.TrimSpace(get(n)) != "" {
			any = true
		}
	}
	if !any {
		return Config{}, nil
	}
	var errs []error
	c := Config{
		URL:           strings.TrimRight(strings.TrimSpace(get("QUITA_CHATWOOT_URL")), "/"),
		Token:         strings.TrimSpace(get("QUITA_CHATWOOT_TOKEN")),
		WebhookSecret: strings.TrimSpace(get("QUITA_CHATWOOT_WEBHOOK_SECRET")),
		Mirror:        strings.TrimSpace(get("QUITA_CHATWOOT_MIRROR")),
	}
	if c.URL == "" {
		errs = append(errs, errors.New("QUITA_CHATWOOT_URL is not set: the address of your Chatwoot, e.g. https://chatwoot.example.com (or unset every QUITA_CHATWOOT_* variable to turn the bridge off)"))
	} else if err := checkURL(c.URL); err != nil {
		errs = append(errs, err)
	}
	id := func(name string, required bool) int64 {
		v := strings.TrimSpace(get(name))
		if v == "" {
			if required {
				errs = append(errs, fmt.Errorf("%s is not set: the number in Chatwoot's URL (…/app/accounts/<account>/settings/inboxes/<inbox>)", name))
			}
			return 0
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			errs = append(errs, fmt.Errorf("%s=%q is not a Chatwoot id: a positive whole number", name, v))
			return 0
		}
		return n
	}
	c.AccountID = id("QUITA_CHATWOOT_ACCOUNT_ID", true)
	c.InboxID = id("QUITA_CHATWOOT_INBOX_ID", true)
	c.TeamID = id("QUITA_CHATWOOT_TEAM_ID", false)
	if c.Token == "" {
		errs = append(errs, errors.New("QUITA_CHATWOOT_TOKEN is not set: the access token of the Chatwoot administrator quita acts as (Profile settings → Access token)"))
	}
	if c.WebhookSecret == "" {
		errs = append(errs, errors.New("QUITA_CHATWOOT_WEBHOOK_SECRET is not set: the secret Chatwoot shows for the webhook pointing at quita's /webhooks/chatwoot (not the inbox's HMAC token)"))
	}
	switch c.Mirror {
	case "":
		c.Mirror = MirrorHandoffs
	case MirrorHandoffs, MirrorAll:
	default:
		errs = append(errs, fmt.Errorf("QUITA_CHATWOOT_MIRROR=%q: use handoffs (only conversations handed to a person, from the handoff on) or all", c.Mirror))
	}
	if err := errors.Join(errs...); err != nil {
		return Config{}, fmt.Errorf("chatwoot bridge: %w", err)
	}
	return c, nil
}

// checkURL accepts https, and plain http only to a loopback address (the
// token would travel in clear otherwise).
func checkURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return fmt.Errorf("QUITA_CHATWOOT_URL=%q is not a URL: use the address of your Chatwoot, e.g. https://chatwoot.example.com", raw)
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		return fmt.Errorf("QUITA_CHATWOOT_URL=%q must be https: the access token may not travel in clear", raw)
	}
	if u.Path != "" && u.Path != "/" {
		return fmt.Errorf("QUITA_CHATWOOT_URL=%q has a path: give only the address (https://chatwoot.example.com); quita adds /api/v1/…", raw)
	}
	return nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
